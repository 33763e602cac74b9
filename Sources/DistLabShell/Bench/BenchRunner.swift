/// `distlab bench`: measures the runtime on this machine and prints the figures.
public enum BenchRunner {
  public static func run(json: Bool, quick: Bool) -> Int32 {
    Output.error("bench: not measured yet")
    return 2
  }
}
