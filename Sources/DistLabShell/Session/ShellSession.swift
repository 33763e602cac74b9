import DistLab
import DistLabNet

/// What one line did: its typed result (or error), and the text to show.
public struct LineOutcome: Sendable {
  public enum Status: Sendable, Equatable {
    case ok
    case error
    case expectationFailed
    case exit
  }
  public var status: Status
  public var result: CommandResult?
  /// The rendered output, without a trailing newline; empty when there is nothing to show.
  public var text: String
}

/// One user's shell: the world, the last result (for `expect`), the session's journal (for
/// `record`) and how output looks. Commands act on it; it never prints.
public final class ShellSession {
  public let world: World
  /// Each lab's world-side client, made when the lab is first used.
  public let labs = LabClients()
  public var style: Style
  public private(set) var lastResult: CommandResult?
  /// The most recent call (`rpc` or `kv`) and `send`, which `expect` reads.
  public private(set) var lastCall: CallOutcome?
  public private(set) var lastSend: SendOutcome?
  /// Asked while long commands run; true stops them (Ctrl-C, a grading time limit).
  public var cancel: () -> Bool = { false }
  /// Every line run since the session began, with its rendered output, for `record`.
  public private(set) var journal: [(input: String, output: String, refused: Bool)] = []
  /// Characters of output the journal keeps; past it, earlier output is dropped (the commands
  /// stay), so a long session's memory stays bounded and only a script can be recorded from it.
  public var journalOutputLimit = 16 << 20
  private var journalOutputSize = 0
  /// Whether the journal dropped earlier output to stay within `journalOutputLimit`.
  public private(set) var journalOutputDropped = false
  var recorder: Recorder?
  var sourceDepth = 0
  /// Where the session started: its seed and mode before any command.
  public let initialSeed: UInt64
  public let initialMode: WorldMode
  /// A file a script runs from, so `source` resolves relative paths beside it.
  public var baseDirectory: String?
  /// Where `lesson` finds lessons, and where the student's progress is saved (nil: not saved).
  public var lessonDirectory: String?
  /// Set when grading: what the session's commands may touch outside the world.
  public var sandbox: Sandbox?
  public var progressPath: String?
  var loadedLibrary: LessonLibrary?
  private var loadedProgress: LessonProgress?
  /// The student's progress, read from its file when first needed.
  var progress: LessonProgress {
    get {
      if let loadedProgress { return loadedProgress }
      let (loaded, notice, saving) = LessonProgress.load(progressPath)
      if let notice { notices.append(notice) }
      if !saving { progressPath = nil }
      loadedProgress = loaded
      return loaded
    }
    set { loadedProgress = newValue }
  }
  /// Things the student should know once, shown before the next command's output.
  var notices: [String] = []
  /// How far `lesson run` has stepped through the current section's worked examples.
  var exampleCursor = ExampleCursor()

  public init(config: WorldConfig = WorldConfig(), style: Style = .plain, roles: RoleCatalog = .builtIn) {
    var config = config
    if config.processEngine == nil { config.processEngine = ProcessMode.maker() }
    world = World(config: config, roles: roles)
    self.style = style
    initialSeed = config.seed
    initialMode = config.mode
  }

  /// Runs one line and renders what it did. Errors become text; nothing here throws or exits.
  public func run(_ line: String, at location: SourceLocation = SourceLocation()) -> LineOutcome {
    var outcome = execute(line, at: location)
    // The one place output leaves the session: nothing a user typed or a file held can drive
    // the terminal from here.
    outcome.text = TextEscape.terminal(outcome.text, keepingColour: style.colour)
    if !notices.isEmpty {
      outcome.text = (notices.map { "note: \($0.visibleControls)" } + (outcome.text.isEmpty ? [] : [outcome.text]))
        .joined(separator: "\n")
      notices = []
    }
    if let columns = style.columns { outcome.text = Fit.text(outcome.text, columns: columns) }
    if outcome.status != .exit, !Self.isBlank(line), !Self.isRecordCommand(line) {
      journalOutputSize += outcome.text.utf8.count
      if journalOutputSize > journalOutputLimit && !journalOutputDropped {
        journalOutputDropped = true
        for i in journal.indices { journal[i].output = "" }
      }
      journal.append((line, journalOutputDropped ? "" : outcome.text, outcome.status == .error))
      recorder?.append(input: line, output: outcome.text, refused: outcome.status == .error)
    }
    return outcome
  }

  /// `record` lines stay out of recordings: replaying one would start writing a file.
  static func isRecordCommand(_ line: String) -> Bool {
    (try? Lexer.tokenize(line).first).flatMap { $0 }.map { $0.text == "record" && !$0.quoted } ?? false
  }

  static func isBlank(_ line: String) -> Bool {
    let t = line.drop { $0 == " " || $0 == "\t" }
    return t.isEmpty || t.hasPrefix("#")
  }

  private func execute(_ line: String, at location: SourceLocation) -> LineOutcome {
    let result: CommandResult
    let generation = world.generation
    do {
      let tokens = try Lexer.tokenize(line)
      guard !tokens.isEmpty else { return LineOutcome(status: .ok, result: nil, text: "") }
      result = try dispatch(tokens)
    } catch {
      let place = location.file == nil ? "" : "\(location.file ?? ""):\(location.line):\(error.column ?? 1): "
      return LineOutcome(
        status: .error, result: nil, text: style.error("\(place)error: \(error.message.visibleControls)"))
    }
    // Whatever made the world start over (reset, seed, mode, lesson start or reset) also
    // forgets the last call and send: an expectation cannot read a world that is gone.
    if world.generation != generation && !result.isCallOrSend {
      lastCall = nil
      lastSend = nil
    }
    switch result {
    case .expectation, .help: break
    case .called(let c, _, _, _):
      lastCall = c
      lastResult = result
    case .kv(let k):
      lastCall = k.call
      lastResult = result
    case .sent(let o):
      lastSend = o
      lastResult = result
    default: lastResult = result
    }
    let text = Renderer(style: style, view: WorldView(world)).render(result)
    switch result {
    case .exit: return LineOutcome(status: .exit, result: result, text: "")
    case .expectation(let e) where !e.held:
      let place = location.file == nil ? "" : "\(location.file ?? ""):\(location.line): "
      return LineOutcome(status: .expectationFailed, result: result, text: style.error(place + text))
    case .sourced(_, _, let failed, _) where failed > 0:
      return LineOutcome(status: .expectationFailed, result: result, text: text)
    default:
      return LineOutcome(status: .ok, result: result, text: text)
    }
  }

  private func dispatch(_ tokens: [Token]) throws(ShellError) -> CommandResult {
    let word = tokens[0]
    guard !word.quoted, let spec = CommandRegistry.command(word.text) else {
      throw ShellError(
        "unknown command '\(word.text)'\(Suggest.hint(for: word.text, in: CommandRegistry.names)); type 'help' for the list",
        column: word.column)
    }
    if sandbox != nil, Sandbox.refused.contains(spec.name) {
      throw ShellError(
        "a graded solution may not use '\(spec.name)': grading runs each solution in a sandbox", column: word.column)
    }
    var rest = Array(tokens.dropFirst())
    var target = spec
    var sub: String?
    if !spec.subcommands.isEmpty {
      if let first = rest.first, !first.isFlag, let s = spec.subcommand(first.text) {
        target = s
        sub = s.name
        rest.removeFirst()
      } else if let first = rest.first, !first.isFlag, spec.action == nil || spec.positionals.isEmpty {
        let names = spec.subcommands.map(\.name)
        throw ShellError(
          "unknown subcommand '\(first.text)' for '\(spec.name)'\(Suggest.hint(for: first.text, in: names)) (one of: \(names.joined(separator: ", ")))",
          column: first.column)
      } else if spec.action == nil {
        throw ShellError(
          "'\(spec.name)' needs a subcommand: \(spec.subcommands.map(\.name).joined(separator: ", "))",
          column: word.column)
      }
    }
    let inv = try target.parse(rest, command: spec.name, subcommand: sub, column: word.column)
    guard let action = target.action else {
      throw ShellError("'\(spec.name)' cannot run on its own", column: word.column)
    }
    return try action(inv, self)
  }

  /// Starts the session's recording (used by `record`).
  func startRecording(_ recorder: Recorder) {
    self.recorder = recorder
  }

  func stopRecording() -> Recorder? {
    defer { recorder = nil }
    return recorder
  }

  var isRecording: Bool { recorder != nil }

  /// Ends the session: saves a recording still running, and says how that went (nil when
  /// nothing was being recorded).
  public func finish() -> LineOutcome? {
    guard isRecording else { return nil }
    return run("record stop")
  }

  /// The lessons, loaded on first use.
  var library: LessonLibrary? {
    if loadedLibrary == nil, let dir = lessonDirectory { loadedLibrary = LessonLibrary.load(dir) }
    return loadedLibrary
  }
}

/// Which command of which worked example `lesson run` shows next.
struct ExampleCursor: Equatable {
  var lesson = ""
  var section = -1
  var step = 0
}

extension String {
  /// The text with control characters shown as escapes, so a user's stray bytes cannot break
  /// a one-line error or drive the terminal.
  var visibleControls: String { TextEscape.escaped(self, quotes: false) }
}
