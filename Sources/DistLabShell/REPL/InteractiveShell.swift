import DistLab
import Foundation

/// The `distlab>` shell: reads lines (with libedit on a terminal, plainly from a pipe), runs
/// them in a session and prints what they did. Survives everything but `exit` and Ctrl-D.
public enum InteractiveShell {
  /// Runs the shell until the input ends; returns the process's exit status.
  public static func run(
    config: WorldConfig, lessons: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> Int32 {
    let interactive = Terminal.stdinIsTTY
    let session = ShellSession(
      config: config, style: Style.forTerminal(isTTY: interactive && Terminal.stdoutIsTTY, environment: environment))
    session.lessonDirectory =
      lessons ?? LessonLibrary.defaultDirectory(environment: environment, executable: CommandLine.arguments[0])
    session.progressPath = LessonProgress.path(environment: environment)
    let source: LineSource
    if interactive {
      let completer = Completer(session: session)
      source = LineEditor(
        programName: "distlab", historyPath: HistoryFile.path(environment: environment),
        prompt: { prompt(session) }, completer: { completer.candidates($0) })
      Interrupt.install()
      Output.line(
        session.style.bold("distlab") + ": 'help' lists commands, 'lesson list' the lessons, Ctrl-D leaves.")
    } else {
      source = PlainLineReader()
    }
    session.cancel = { Interrupt.isRequested }
    var sawError = false
    var lineNumber = 0
    while true {
      let input = source.readLine()
      lineNumber += 1
      switch input {
      case .endOfInput:
        if interactive { Output.line("") }
        sawError = finish(session) || sawError
        return sawError && !interactive ? 1 : 0
      case .interrupted:
        continue
      case .line(let line):
        var trimmed = line
        while trimmed.hasSuffix(" ") { trimmed.removeLast() }
        if interactive && !trimmed.isEmpty { source.addToHistory(trimmed) }
        Interrupt.clear()
        let location = interactive ? SourceLocation() : SourceLocation(file: "<stdin>", line: lineNumber, column: 1)
        if interactive { session.style.columns = Terminal.columns(environment: environment) }
        let outcome = session.run(line, at: location)
        let wasInterrupted = Interrupt.isRequested
        Interrupt.clear()
        if outcome.status == .exit {
          sawError = finish(session) || sawError
          return sawError && !interactive ? 1 : 0
        }
        if outcome.text.isEmpty { continue }
        let text = wasInterrupted && interactive ? "\n" + outcome.text : outcome.text
        if outcome.status == .error {
          sawError = true
          Output.error(text)
        } else {
          Output.line(text)
        }
      }
    }
  }

  /// Saves a recording still running as the shell ends, and says how that went; true when
  /// saving failed. `distlab run` ends its sessions the same way.
  public static func finish(_ session: ShellSession) -> Bool {
    guard let ended = session.finish() else { return false }
    if ended.status == .error {
      Output.error(ended.text)
      return true
    }
    Output.line(ended.text)
    return false
  }

  static func prompt(_ session: ShellSession) -> String {
    let time = session.world.now.clockReading
    let mode = session.world.mode == .sim ? "" : " " + session.world.mode.rawValue
    return session.style.dim(time + mode) + " " + session.style.accent("distlab>") + " "
  }
}

/// Writing to standard output and standard error.
public enum Output {
  public static func line(_ s: String) {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
  }

  public static func error(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
  }
}
