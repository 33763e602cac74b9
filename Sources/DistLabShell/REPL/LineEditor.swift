import CEditLine

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One line of user input, or why there is none.
public enum LineInput: Equatable, Sendable {
  /// A complete line, without its line terminator.
  case line(String)
  /// The user pressed Ctrl-C at the prompt; the half-typed line was discarded.
  case interrupted
  /// Ctrl-D on an empty line, or the end of piped input.
  case endOfInput
}

/// Something the shell loop reads its lines from: the interactive `LineEditor` on a terminal,
/// `PlainLineReader` when input is piped.
public protocol LineSource {
  /// Blocks until the next line (or interruption, or end of input).
  func readLine() -> LineInput
  /// Remembers a line the shell ran, where the source keeps history.
  func addToHistory(_ line: String)
}

/// The interactive line editor behind the `distlab>` prompt, built on libedit.
///
/// It gives a terminal user what a shell is expected to have: emacs-style editing, a history
/// that survives restarts (Up/Down, Ctrl-R search), Tab completion supplied by the shell, and a
/// Ctrl-C that throws away the half-typed line instead of ending the program. libedit does the
/// terminal work (it is BSD-licensed and present on Linux and macOS); this class connects it to
/// Swift closures through `EL_CLIENTDATA`, because libedit's callbacks are C function pointers
/// that cannot capture anything.
///
/// Use it only when standard input is a terminal (`Terminal.stdinIsTTY`); read piped input with
/// `PlainLineReader`. Create it, read with it and add history on one thread.
///
/// While a line is being edited the terminal's signal keys are off (`setty -d -isig`): Ctrl-C is
/// an editor command that ends `readLine()` with `.interrupted`, and Ctrl-Z is an editor command
/// that suspends the process as the terminal would. This keeps Ctrl-C at the prompt reliable
/// even when the process has other threads that a SIGINT could be delivered to. Between lines
/// the terminal is in its normal mode, so Ctrl-C during a command raises SIGINT (see
/// `Interrupt`).
public final class LineEditor: LineSource {
  /// libedit prints prompt text between two of these characters without counting its width.
  static let promptInvisibleMarker: Unicode.Scalar = "\u{1}"

  private let editLine: OpaquePointer?
  private let history: PersistentHistory
  private let makePrompt: () -> String
  private let completer: (String) -> [String]
  /// The current prompt as a C string; libedit asks for it on every redraw of the line.
  private var promptBytes: UnsafeMutablePointer<CChar>
  /// Set by the Ctrl-C editor command so that `readLine()` can tell it from Ctrl-D.
  private var lineDiscardedByKey = false

  /// Creates an editor on standard input and output.
  ///
  /// - Parameters:
  ///   - programName: The name libedit uses for its own messages.
  ///   - historyPath: The history file to load and append to; nil keeps history in memory only.
  ///   - prompt: Asked before every line; may contain ANSI colour sequences.
  ///   - completer: Given the text from the line start to the cursor, returns the full words
  ///     that may replace the last whitespace-separated word.
  public init(
    programName: String,
    historyPath: String?,
    prompt: @escaping () -> String,
    completer: @escaping (_ lineUpToCursor: String) -> [String]
  ) {
    LineEditor.selectUTF8CharacterType()
    self.makePrompt = prompt
    self.completer = completer
    self.promptBytes = LineEditor.copyCString("")
    self.history = PersistentHistory(path: historyPath)
    self.editLine = el_init(programName, cel_stdin(), cel_stdout(), cel_stderr())
    configureEditor()
  }

  deinit {
    if let editLine {
      el_end(editLine)
    }
    promptBytes.deallocate()
  }

  /// Shows the prompt and lets the user edit one line.
  ///
  /// Returns `.interrupted` when the user pressed Ctrl-C (the line is discarded and the next
  /// prompt starts on a new line) and `.endOfInput` on Ctrl-D on an empty line or when the
  /// terminal goes away.
  public func readLine() -> LineInput {
    let prompt = makePrompt()
    guard let editLine else {
      return readWithoutEditor(prompt: prompt)
    }
    setPrompt(LineEditor.markingInvisibleSequences(prompt))
    lineDiscardedByKey = false
    var count: Int32 = 0
    let text = el_gets(editLine, &count)
    let readError = errno
    if lineDiscardedByKey {
      return .interrupted
    }
    guard let text, count > 0 else {
      writeToTerminal("\n")
      if count < 0 && readError == EINTR {
        // A SIGINT sent from outside: libedit passed it on to `Interrupt`'s handler.
        Interrupt.clear()
        return .interrupted
      }
      return .endOfInput
    }
    // A SIGINT that reached another thread while the user typed belongs to the prompt, not to
    // the command about to run.
    Interrupt.clear()
    var line = String(cString: text)
    while line.hasSuffix("\n") || line.hasSuffix("\r") {
      line.removeLast()
    }
    return .line(line)
  }

  /// Adds a line to the history and appends it to the history file at once, so that a crash
  /// keeps it. Empty lines and repeats of the previous entry are skipped.
  public func addToHistory(_ line: String) {
    history.add(line)
  }

  // MARK: - Set-up

  private func configureEditor() {
    guard let editLine else {
      return
    }
    _ = cel_set_clientdata(editLine, Unmanaged.passUnretained(self).toOpaque())
    _ = cel_set_editor(editLine, "emacs")
    _ = cel_set_signal_handling(editLine, 1)
    _ = cel_setty_edit_mode(editLine, "-isig")
    _ = cel_set_prompt_esc(
      editLine,
      { editLine in LineEditor.from(editLine)?.promptBytes ?? cel_empty_prompt() },
      CChar(LineEditor.promptInvisibleMarker.value))
    if let entries = history.entries {
      _ = cel_set_history(editLine, entries)
    }
    _ = cel_add_function(
      editLine, "distlab-complete", "Complete the word before the cursor",
      { editLine, _ in
        LineEditor.from(editLine)?.completeWordBeforeCursor() ?? UInt8(CC_ERROR)
      })
    _ = cel_bind(editLine, "^I", "distlab-complete")
    _ = cel_add_function(
      editLine, "distlab-interrupt", "Discard the line",
      { editLine, _ in LineEditor.from(editLine)?.discardLine() ?? UInt8(CC_ERROR) })
    _ = cel_bind(editLine, "^C", "distlab-interrupt")
    _ = cel_add_function(
      editLine, "distlab-suspend", "Suspend the process",
      { editLine, _ in LineEditor.from(editLine)?.suspend() ?? UInt8(CC_ERROR) })
    _ = cel_bind(editLine, "^Z", "distlab-suspend")
    _ = cel_bind(editLine, "^R", "em-inc-search-prev")
  }

  private static func from(_ editLine: OpaquePointer?) -> LineEditor? {
    guard let editLine, let data = cel_get_clientdata(editLine) else {
      return nil
    }
    // Unretained is safe: libedit calls back only from inside `el_gets`, which runs in a method
    // of this very editor, and `deinit` ends the EditLine before the editor goes away.
    return Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue()
  }

  /// libedit decodes keys with the C library's multibyte functions, so without a UTF-8
  /// character type it would garble non-ASCII input. This sets only `LC_CTYPE`.
  private static func selectUTF8CharacterType() {
    func isPlain(_ name: UnsafeMutablePointer<CChar>?) -> Bool {
      guard let name else {
        return true
      }
      let value = String(cString: name)
      return value == "C" || value == "POSIX"
    }
    guard isPlain(setlocale(LC_CTYPE, nil)) else {
      return
    }
    if isPlain(setlocale(LC_CTYPE, "")) {
      _ = setlocale(LC_CTYPE, "C.UTF-8")
    }
  }

  // MARK: - Prompt

  private func setPrompt(_ text: String) {
    let bytes = LineEditor.copyCString(text)
    promptBytes.deallocate()
    promptBytes = bytes
  }

  private static func copyCString(_ text: String) -> UnsafeMutablePointer<CChar> {
    let bytes = text.utf8CString
    let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
    _ = UnsafeMutableBufferPointer(start: pointer, count: bytes.count).initialize(from: bytes)
    return pointer
  }

  /// Brackets every ANSI escape sequence in the prompt with `promptInvisibleMarker`, so that
  /// libedit prints it without counting it as prompt width.
  static func markingInvisibleSequences(_ prompt: String) -> String {
    let scalars = Array(prompt.unicodeScalars)
    let escape: Unicode.Scalar = "\u{1B}"
    var result = String.UnicodeScalarView()
    var index = 0
    while index < scalars.count {
      let scalar = scalars[index]
      if scalar == promptInvisibleMarker {
        index += 1
        continue
      }
      guard scalar == escape else {
        result.append(scalar)
        index += 1
        continue
      }
      let end = endOfEscapeSequence(scalars, from: index)
      result.append(promptInvisibleMarker)
      result.append(contentsOf: scalars[index..<end])
      result.append(promptInvisibleMarker)
      index = end
    }
    return String(result)
  }

  /// The index just past the escape sequence that starts at `start` (CSI, OSC or two-character).
  private static func endOfEscapeSequence(_ scalars: [Unicode.Scalar], from start: Int) -> Int {
    var end = start + 1
    guard end < scalars.count else {
      return end
    }
    switch scalars[end] {
    case "[":
      end += 1
      while end < scalars.count, !(0x40...0x7E).contains(scalars[end].value) {
        end += 1
      }
      return min(end + 1, scalars.count)
    case "]":
      end += 1
      while end < scalars.count, scalars[end] != "\u{7}", scalars[end] != "\u{1B}" {
        end += 1
      }
      guard end < scalars.count else {
        return end
      }
      return min(end + (scalars[end] == "\u{7}" ? 1 : 2), scalars.count)
    default:
      return end + 1
    }
  }

  // MARK: - Editor commands

  /// Ctrl-C: leaves the half-typed line visible, marks it `^C` and ends `el_gets`.
  private func discardLine() -> UInt8 {
    lineDiscardedByKey = true
    moveTerminalCursorToEndOfLine()
    writeToTerminal("^C\n")
    return UInt8(CC_EOF)
  }

  /// Ctrl-Z: stops the process as the terminal's suspend key would, and redraws the line
  /// after `fg`.
  private func suspend() -> UInt8 {
    guard let editLine else {
      return UInt8(CC_ERROR)
    }
    // `raise` signals this thread, so the process is stopped before it returns. With EL_SIGNAL
    // on, libedit's handlers put the terminal back into normal mode before the stop and into
    // editing mode again on SIGCONT.
    _ = raise(SIGTSTP)
    // After `fg` the cursor is at the start of a fresh line; if the stop was refused it is
    // still on the line being edited. Either way, redraw from the start of the row.
    writeToTerminal("\r")
    _ = cel_refresh(editLine)
    return UInt8(CC_NORM)
  }

  /// Tab: asks the completer for the words that may replace the word before the cursor.
  /// One word is inserted with a space after it; several insert their longest common prefix,
  /// and when that adds nothing (as on a second Tab) they are listed below the line.
  private func completeWordBeforeCursor() -> UInt8 {
    guard let textBefore = lineText().beforeCursor else {
      return UInt8(CC_ERROR)
    }
    let word =
      textBefore.split(omittingEmptySubsequences: false, whereSeparator: \.isWhitespace)
      .last ?? ""
    let candidates = completer(textBefore)
    guard let first = candidates.first else {
      return UInt8(CC_REFRESH_BEEP)
    }
    if candidates.count == 1 {
      replaceWordBeforeCursor(length: word.unicodeScalars.count, with: first + " ")
      return UInt8(CC_REFRESH)
    }
    let prefix = LineEditor.longestCommonPrefix(candidates)
    if prefix.unicodeScalars.count > word.unicodeScalars.count {
      replaceWordBeforeCursor(length: word.unicodeScalars.count, with: prefix)
      return UInt8(CC_REFRESH)
    }
    listBelowLine(candidates)
    return UInt8(CC_NORM)
  }

  private func replaceWordBeforeCursor(length: Int, with replacement: String) {
    guard let editLine else {
      return
    }
    if length > 0 {
      el_deletestr(editLine, Int32(clamping: length))
    }
    if !replacement.isEmpty {
      _ = el_insertstr(editLine, replacement)
    }
  }

  /// Prints the candidates in columns under the line, then redraws the prompt and the line.
  private func listBelowLine(_ candidates: [String]) {
    guard let editLine else {
      return
    }
    let reported = Int(cel_terminal_columns(editLine))
    let screenWidth = reported > 0 ? reported : 80
    let cellWidth = (candidates.map(\.count).max() ?? 0) + 2
    let columns = max(1, screenWidth / cellWidth)
    let rows = (candidates.count + columns - 1) / columns
    var listing = ""
    for row in 0..<rows {
      for column in 0..<columns {
        let index = column * rows + row
        guard index < candidates.count else {
          break
        }
        let word = candidates[index]
        listing += word
        if index + rows < candidates.count {
          listing += String(repeating: " ", count: cellWidth - word.count)
        }
      }
      listing += "\n"
    }
    moveTerminalCursorToEndOfLine()
    writeToTerminal("\n" + listing)
    // The cursor is now at the start of a fresh line: redraw the prompt and the line there.
    _ = cel_refresh(editLine)
  }

  static func longestCommonPrefix(_ words: [String]) -> String {
    guard var prefix = words.first?.unicodeScalars[...] else {
      return ""
    }
    for word in words.dropFirst() {
      var common = 0
      for (a, b) in zip(prefix, word.unicodeScalars) {
        guard a == b else {
          break
        }
        common += 1
      }
      prefix = prefix.prefix(common)
    }
    return String(String.UnicodeScalarView(prefix))
  }

  /// The line being edited, split at the cursor.
  private func lineText() -> (beforeCursor: String?, afterCursor: String?) {
    guard let editLine, let info = el_line(editLine)?.pointee,
      let buffer = info.buffer, let cursor = info.cursor, let end = info.lastchar
    else {
      return (nil, nil)
    }
    func text(from start: UnsafePointer<CChar>, to stop: UnsafePointer<CChar>) -> String {
      let bytes = UnsafeRawBufferPointer(start: start, count: max(0, start.distance(to: stop)))
      return String(decoding: bytes, as: UTF8.self)
    }
    return (text(from: buffer, to: cursor), text(from: cursor, to: end))
  }

  /// Moves the terminal's cursor past the end of the line by printing the text after it again,
  /// which also works when the line wraps over several rows.
  private func moveTerminalCursorToEndOfLine() {
    if let rest = lineText().afterCursor, !rest.isEmpty {
      writeToTerminal(rest)
    }
  }

  private func writeToTerminal(_ text: String) {
    guard let output = cel_stdout() else {
      return
    }
    fputs(text, output)
    fflush(output)
  }

  private func readWithoutEditor(prompt: String) -> LineInput {
    writeToTerminal(prompt)
    guard let line = Swift.readLine(strippingNewline: true) else {
      writeToTerminal("\n")
      return .endOfInput
    }
    return .line(line)
  }
}
