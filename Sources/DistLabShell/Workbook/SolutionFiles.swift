import Foundation

/// Which files a class's solutions folder holds, against what the lessons ask for: a
/// misnamed solution is found and named, and files that match no exercise are listed rather
/// than silently ignored.
public enum SolutionFiles {
  /// A name as a student might have meant it: lower case, `_` and spaces read as `-`.
  static func normalized(_ name: String) -> String {
    name.lowercased().replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: " ", with: "-")
  }

  /// The file in `folder` that was probably meant for `exercise` (`fair_join.distlab`,
  /// `Fair-Join.distlab`, `fair-join.txt`), if there is exactly one such.
  public static func misnamed(_ exercise: String, in folder: String) -> String? {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    let wanted = normalized(exercise)
    let candidates = files.filter { f in
      let stem = normalized((f as NSString).deletingPathExtension)
      return f != "\(exercise).distlab" && (stem == wanted || Suggest.closest(to: wanted, in: [stem]) != nil)
    }
    return candidates.count == 1 ? candidates[0] : nil
  }

  /// Files under `solutions` (as `lesson/file`) that are no exercise's solution.
  public static func unmatched(_ library: LessonLibrary, solutions: String) -> [String] {
    let fm = FileManager.default
    var out: [String] = []
    for folder in ((try? fm.contentsOfDirectory(atPath: solutions)) ?? []).sorted() where !folder.hasPrefix(".") {
      let path = (solutions as NSString).appendingPathComponent(folder)
      var isDir: ObjCBool = false
      guard fm.fileExists(atPath: path, isDirectory: &isDir) else { continue }
      guard isDir.boolValue else {
        out.append(folder)
        continue
      }
      let lesson = library.lessons.first { $0.id == folder }
      let expected = Set(lesson?.exercises.map { "\($0.id).distlab" } ?? [])
      for file in ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted()
      where !file.hasPrefix(".") && !expected.contains(file) {
        out.append("\(folder)/\(file)")
      }
    }
    return out
  }
}
