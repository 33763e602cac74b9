import DistLab
import XCTest

@testable import DistLabShell

/// A command's spec is its one source: usage, the word count parsing checks, completion at
/// each place, and which flags go with which choice all come from its declarations.
final class CommandSpecTests: XCTestCase {
  func everySpec() -> [CommandSpec] { CommandRegistry.all.flatMap { [$0] + $0.subcommands } }

  func testUsageIsDerivedAndFitsTheTerminal() {
    let rpc = CommandRegistry.command("rpc")
    XCTAssertEqual(rpc?.usage, "rpc NODE METHOD [ARG…] [options]")
    XCTAssertEqual(CommandRegistry.command("kill")?.usage, "kill NODES [--chance RATIO] [--wipe]")
    XCTAssertEqual(CommandRegistry.command("mode")?.usage, "mode [sim|live|process]")
    XCTAssertEqual(
      CommandRegistry.command("net")?.subcommand("latency")?.usage,
      "net latency [fixed|uniform|normal|exp] MEAN [SPREAD] [--between A,B]")
    XCTAssertEqual(CommandRegistry.command("kv")?.subcommand("incr")?.usage, "kv incr NODE KEY [N] [options]")
    for spec in everySpec() {
      XCTAssertLessThanOrEqual(TextWidth.of("usage: " + spec.usage), 80, spec.usage)
      XCTAssertTrue(spec.usage.hasPrefix(spec.path), spec.usage)
    }
  }

  func testTheWordCountIsCheckedFromTheDeclarations() {
    let s = preparedSession()
    XCTAssertEqual(s.run("advance").text, "error: 'advance' needs more: usage: advance DURATION")
    XCTAssertEqual(
      s.run("net cut n1 n2 n3").text, "error: too many words for 'net cut'; usage: net cut FROM TO")
    XCTAssertEqual(s.run("kv get n1").text, "error: 'kv get' needs more: usage: kv get NODE KEY [options]")
    XCTAssertEqual(s.run("send n1 n2").text, "error: 'send' needs more: usage: send FROM TO TEXT…")
    XCTAssertEqual(s.run("expect value").status, .error)
    XCTAssertNotEqual(s.run("send n1 n2 a b c d e f").status, .error, "TEXT… takes any number")
  }

  func testAFlagThatGoesWithAnotherChoiceIsRefused() {
    let s = preparedSession()
    let out = s.run("shard use ring --splits k1,k2")
    XCTAssertEqual(out.text, "error: --splits goes with range, not ring")
    XCTAssertNil(s.sharding.shardLab, "nothing started")
    XCTAssertEqual(s.run("shard use ring --vnodes 10").status, .ok)
  }

  func testCompletionOffersOnlyTheFlagsOfTheChosenScheme() {
    let c = Completer(session: preparedSession())
    XCTAssertEqual(
      c.candidates("shard use ring --"),
      ["--nodes", "--vnodes", "--seed", "--replicas", "--zone-aware", "--value-size"])
    XCTAssertEqual(
      c.candidates("shard use range --"),
      ["--nodes", "--splits", "--max-range-keys", "--replicas", "--zone-aware", "--value-size"])
    XCTAssertTrue(c.candidates("shard use --").contains("--splits"), "before a scheme is chosen, every flag")
    XCTAssertEqual(c.candidates("help shard re"), ["remove", "repair"])
    XCTAssertEqual(c.candidates("net latency n"), ["normal"])
    XCTAssertEqual(c.candidates("shard load 10 --dist z"), ["zipf"])
  }
}

/// Help fits an 80-column terminal, whatever the command.
final class HelpWidthTests: XCTestCase {
  func testEveryHelpPageFitsEightyColumns() {
    let s = ShellSession(roles: RoleCatalog.builtIn.adding(CounterService.role))
    var pages = ["help"]
    for spec in CommandRegistry.all {
      pages.append("help \(spec.name)")
      pages += spec.subcommands.map { "help \(spec.name) \($0.name)" }
    }
    for page in pages {
      let out = s.run(page)
      XCTAssertEqual(out.status, .ok, page)
      for line in out.text.split(separator: "\n") {
        XCTAssertLessThanOrEqual(TextWidth.of(String(line)), 80, "\(page): \(line)")
      }
    }
  }
}
