/// A lesson: front matter, sections of prose with worked examples, and exercises.
public struct Lesson: Sendable {
  public var file: String
  public var id: String
  public var title: String
  public var objectives: [String]
  /// The time a student should plan for, as written (`20 min`).
  public var time: String
  /// The seed worked examples and graded solutions run with.
  public var seed: UInt64
  public var sections: [LessonSection]

  public var exercises: [Exercise] { sections.compactMap(\.exercise) }
  public var examples: [WorkedExample] { sections.flatMap(\.examples) }

  public func exercise(_ id: String) -> Exercise? { exercises.first { $0.id == id } }
}

/// A part of a lesson under one `##` heading.
public struct LessonSection: Sendable {
  public var title: String
  /// The section's Markdown, as written (examples, hints and checks included).
  public var body: [String]
  public var line: Int
  public var examples: [WorkedExample]
  public var exercise: Exercise?
}

/// A fenced `distlab` block: a transcript replayed in the lesson's own world.
public struct WorkedExample: Sendable {
  public var transcript: Transcript
  /// The line of the block's opening fence in the lesson file.
  public var line: Int
}

/// A task the student does in their own world, checked by expectations.
public struct Exercise: Sendable {
  public var id: String
  public var title: String
  public var statement: [String]
  public var hints: [String]
  public var points: Int
  public var checks: [Check]
  public var line: Int

  public var visibleChecks: [Check] { checks.filter { !$0.hidden } }
}

/// One `expect` line of an exercise's check block.
public struct Check: Sendable {
  public var expectation: String
  public var hidden: Bool
  public var line: Int
}
