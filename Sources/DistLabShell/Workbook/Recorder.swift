import DistLab
import Foundation

/// Writes the session to a file as it goes: a transcript (commands and output) or a script
/// (commands only). Commands are written to a temporary file beside the target as they run;
/// `finish` (at `record stop` or when the session ends) makes it the file, so a file being
/// replaced is never left half-written and a failed write is reported, never passed over.
final class Recorder {
  let path: String
  let kind: RecordingKind
  private(set) var commands = 0
  private let file: AtomicFile.Pending

  init(path: String, kind: RecordingKind, session: ShellSession) throws(FileProblem) {
    self.path = path
    self.kind = kind
    file = try AtomicFile.Pending(replacing: path)
    var header = ["# distlab \(kind.rawValue), replay with: distlab \(kind == .script ? "run" : "replay") \(path)"]
    if session.initialMode != .sim {
      header.append(
        "# recorded in \(session.initialMode.rawValue) mode: replay runs in sim mode, so outputs will differ")
    }
    if kind == .transcript, let columns = session.style.columns {
      // Output was fitted to the terminal: replay fits it to the same width.
      header.append("\(Transcript.columnsDirective) \(columns)")
    }
    write(header.joined(separator: "\n"))
    if session.initialSeed != WorldConfig().seed {
      let text = Renderer(style: .plain, view: WorldView(session.world)).render(
        .seed(session.initialSeed, changed: true))
      append(input: "seed \(session.initialSeed)", output: text, refused: false)
    }
    for (input, output, refused) in session.journal { append(input: input, output: output, refused: refused) }
  }

  /// Saves the recording as `path`; throws when any write failed, leaving the old file.
  func finish() throws(FileProblem) { try file.commit() }

  /// Records an accepted command with its output; a refused one only as a comment with its
  /// error, so the recording replays without it.
  func append(input: String, output: String, refused: Bool) {
    if refused {
      let reason = output.strippingANSI.split(separator: "\n").first.map(String.init) ?? "refused"
      write("# refused, not replayed: \(input.replacingOccurrences(of: "\n", with: " ")) (\(reason))")
      return
    }
    commands += 1
    switch kind {
    case .script: write(input)
    case .transcript: write(Transcript.prompt + input + (output.isEmpty ? "" : "\n" + output.strippingANSI))
    }
  }

  private func write(_ text: String) { file.write(text + "\n") }
}
