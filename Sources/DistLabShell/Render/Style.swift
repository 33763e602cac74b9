/// How output looks: plain text, or with ANSI colour on a terminal (never when `NO_COLOR` is set).
public struct Style: Sendable, Equatable {
  public var colour: Bool
  /// The width output is fitted to; nil for no limit (pipes, recordings, golden files).
  public var columns: Int?

  public static let plain = Style(colour: false)

  public init(colour: Bool, columns: Int? = nil) {
    self.colour = colour
    self.columns = columns
  }

  /// Colour only when output goes to a terminal and `NO_COLOR` is unset or empty.
  public static func forTerminal(isTTY: Bool, environment: [String: String]) -> Style {
    Style(colour: isTTY && (environment["NO_COLOR"] ?? "").isEmpty)
  }

  private func wrap(_ s: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

  public func error(_ s: String) -> String { wrap(s, "31") }
  public func ok(_ s: String) -> String { wrap(s, "32") }
  public func warn(_ s: String) -> String { wrap(s, "33") }
  public func dim(_ s: String) -> String { wrap(s, "2") }
  public func bold(_ s: String) -> String { wrap(s, "1") }
  public func accent(_ s: String) -> String { wrap(s, "36") }
}
