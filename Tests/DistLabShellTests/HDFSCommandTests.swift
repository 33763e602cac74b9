import DistLab
import XCTest

@testable import DistLabShell

/// The Hadoop lab's commands: what a student reads and expects on, and bad input refused with
/// one line.
final class HDFSCommandTests: XCTestCase {
  func testAKilledDataNodeIsDeclaredDeadAndFsckSeesTheRepair() {
    let s = ShellSession(config: WorldConfig())
    runOK(s, ["hdfs start --datanodes 5 --racks 2 --heartbeat 1s --recheck 10s", "hdfs put /logs/a 500MB"])
    runOK(s, ["expect hdfs.blocks == 4", "expect hdfs.under == 0", "expect hdfs.healthy == true"])
    runOK(s, ["kill dn1", "advance 25s", "expect hdfs.dead == 0", "advance 15s", "expect hdfs.dead == 1"])
    runOK(s, ["advance 20s", "expect hdfs.under == 0", "expect hdfs.live == 4"])
    let report = runOK(s, ["hdfs report"])
    XCTAssertTrue(report.contains("Live datanodes (4), dead datanodes (1)"), report)
  }

  func testBlocksWithEveryReplicaGoneAreMissing() {
    let s = ShellSession(config: WorldConfig())
    runOK(s, ["hdfs start --datanodes 3 --heartbeat 1s --recheck 5s", "hdfs put /a 100MB --replication 1"])
    let fsck = runOK(s, ["hdfs fsck --files"])
    XCTAssertTrue(fsck.contains("Live_repl=1"), fsck)
    runOK(s, ["kill dn1,dn2,dn3", "advance 30s", "expect hdfs.missing == 1", "expect hdfs.healthy == false"])
    XCTAssertTrue(runOK(s, ["hdfs fsck"]).hasSuffix("The filesystem under path '/' is CORRUPT"))
  }

  func testFsckOfAPathChecksOnlyTheFilesUnderIt() {
    let s = ShellSession(config: WorldConfig())
    runOK(s, ["hdfs start --datanodes 3", "hdfs put /logs/a 300MB", "hdfs put /logs/b 1MB", "hdfs put /other 1MB"])
    let logs = runOK(s, ["hdfs fsck /logs --files"])
    XCTAssertTrue(logs.contains("/logs/a 314572800 bytes") && logs.contains("/logs/b "), logs)
    XCTAssertFalse(logs.contains("/other"), logs)
    XCTAssertTrue(logs.contains("Total files:                  2"), logs)
    XCTAssertTrue(logs.hasSuffix("The filesystem under path '/logs' is HEALTHY"), logs)
    // Hadoop's own form, with the root's path, is the whole check.
    XCTAssertEqual(runOK(s, ["hdfs fsck /"]), runOK(s, ["hdfs fsck"]))
    XCTAssertTrue(runOK(s, ["hdfs fsck /"]).contains("Total files:                  3"))
    refused(s, "hdfs fsck /log", "fsck: Path /log does not exist")
    refused(s, "hdfs fsck logs", "an HDFS path starts with /")
  }

  func testBadHDFSInputIsRefused() {
    let s = ShellSession(config: WorldConfig())
    refused(s, "hdfs put /a 1MB", "no HDFS yet: 'hdfs start' starts a NameNode and DataNodes")
    refused(s, "hdfs start --block-size 100B", "--block-size is a size from 1KB to 1TB")
    refused(s, "hdfs start --heartbeat 1ms", "--heartbeat is between 100ms and 1h")
    refused(s, "hdfs start --capacity 10MB", "--capacity is a size from 1GB to 1024TB")
    runOK(s, ["hdfs start --datanodes 2"])
    refused(s, "hdfs start", "HDFS already runs")
    refused(s, "hdfs put logs 1MB", "an HDFS path starts with /")
    refused(s, "hdfs put /a lots", "SIZE is a size like 300MB")
    refused(s, "hdfs put /a 100", "SIZE is a size like 300MB")
    refused(s, "hdfs put /a -5MB", "SIZE is a size like 300MB")
    refused(s, "hdfs put /a", "hdfs put PATH needs a SIZE like 300MB, or --from FILE")
    refused(s, "hdfs put /a 1MB --from x.txt", "a SIZE or --from FILE, not both")
    refused(s, "hdfs put /a --from no-such.txt", "no file 'no-such.txt' here or among the lessons' texts")
    runOK(s, ["hdfs put /a 1MB"])
    refused(s, "hdfs put /a 1MB", "/a already exists")
    refused(s, "hdfs cat /nope", "FileNotFoundException: /nope")
    refused(s, "hdfs rm /nope", "FileNotFoundException: /nope")
    refused(s, "hdfs corrupt /a --block 9", "no replica of block 9 of /a answered")
    refused(s, "hdfs balancer --threshold 0", "--threshold is a percentage from 1 to 100")
    refused(s, "hdfs add --rack rack2", "a rack is a path like /rack2")
    refused(s, "hdfs decommission nn", "'nn' is not a DataNode")
    runOK(s, ["kill nn"])
    refused(s, "hdfs ls", "nn did not answer")
    refused(s, "expect hdfs.files == 1", "the NameNode did not answer")
  }

  func testAReplicationFactorAboveTheDataNodesIsAllowedAndReportedUnderReplicated() {
    let s = ShellSession(config: WorldConfig())
    runOK(s, ["hdfs start --datanodes 2", "hdfs put /a 1MB --replication 3", "advance 10s"])
    runOK(s, ["expect hdfs.under == 1", "expect hdfs.healthy == true"])
    XCTAssertTrue(runOK(s, ["hdfs fsck"]).contains("Under-replicated blocks:"))
  }

  func testAJobOfSizesRunsAndItsCountersRead() {
    let s = ShellSession(config: WorldConfig())
    runOK(s, ["hdfs start --datanodes 4 --racks 2 --mapreduce", "hdfs put /in 1GB", "mr run /in --output /out"])
    runOK(s, ["advance 1m", "expect mr.complete == true", "expect mr.maps == 8", "expect mr.datalocal >= 6"])
    let status = runOK(s, ["mr status job_0001"])
    XCTAssertTrue(status.contains("Data-local map tasks="), status)
    XCTAssertTrue(runOK(s, ["hdfs ls /out"]).contains("/out/part-00000"))
  }

  func testAWordCountOverTheLessonsTextIsReadBackWithHadoopsCounters() {
    let s = ShellSession(config: WorldConfig())
    s.lessonDirectory = LessonLibrary.defaultDirectory()
    runOK(s, ["hdfs start --mapreduce --block-size 4KB", "hdfs put /books/f --from texts/fallacies.txt"])
    runOK(s, ["mr run /books/f --output /wc --program wordcount", "advance 30s", "expect mr.complete == true"])
    let status = runOK(s, ["mr status job_0001"])
    for counter in ["Map input records=196", "Map output records=1703", "Reduce output records="] {
      XCTAssertTrue(status.contains(counter), status)
    }
    let cat = runOK(s, ["hdfs cat /wc/part-00000 --head 2"])
    XCTAssertTrue(cat.hasSuffix("more lines"), cat)
    runOK(s, ["hdfs put /wcx 1KB"])
    XCTAssertFalse(runOK(s, ["hdfs ls /wc"]).contains("/wcx"), "ls lists a folder, not every path that starts alike")
    let timeline = runOK(s, ["mr timeline"])
    XCTAssertTrue(timeline.contains("╌r0"), "the reduce's shuffle is drawn: \(timeline)")
    XCTAssertEqual(timeline.split(separator: "\n").filter { $0.contains(" m") && $0.contains("│") }.count, 3)
  }

  func testTheModesRunTheSameJobAndRefuseWhatTheyCannot() {
    let s = ShellSession(config: WorldConfig())
    s.lessonDirectory = LessonLibrary.defaultDirectory()
    XCTAssertTrue(runOK(s, ["hadoop mode"]).hasPrefix("Hadoop runs fully distributed"))
    runOK(s, ["hadoop mode standalone", "hdfs put /f --from texts/fallacies.txt"])
    refused(s, "hdfs start", "standalone mode runs no daemons")
    refused(s, "hdfs fsck", "standalone mode runs no daemons")
    refused(s, "hdfs put /g 1MB", "standalone mode's file system is the local one")
    refused(s, "mr run /f --output /o", "standalone jobs read real local files")
    refused(s, "mr run /nope --output /o --program sort", "Input path does not exist: file:/nope")
    runOK(s, ["mr run /f --output /o --program wordcount --reducers 4"])
    let local = runOK(s, ["hdfs cat /o/part-00000"])
    runOK(s, ["hadoop mode pseudo"])
    refused(s, "hdfs start --datanodes 3", "pseudo-distributed mode runs one DataNode, on localhost")
    runOK(s, ["hdfs start --mapreduce", "hdfs put /f --from texts/fallacies.txt"])
    refused(s, "hdfs add", "pseudo-distributed mode runs one DataNode")
    runOK(s, ["mr run /f --output /o --program wordcount"])
    refused(s, "hadoop mode distributed", "job_0001 is running: changing mode stops its daemons")
    runOK(s, ["advance 30s"])
    let pseudo = runOK(s, ["hdfs cat /o/part-00000"])
    // Below the read line and the block's line, the same text as the LocalJobRunner's.
    XCTAssertEqual(pseudo.split(separator: "\n").dropFirst(2), local.split(separator: "\n")[...])
    XCTAssertGreaterThan(local.split(separator: "\n").count, 500)
    refused(s, "hdfs rm /o", "FileNotFoundException: /o")
    runOK(s, ["hdfs rm /o --recursive"])
    XCTAssertFalse(runOK(s, ["hdfs ls"]).contains("/o/"))
    XCTAssertTrue(runOK(s, ["hadoop mode distributed"]).hasPrefix("stopped the daemons on localhost"))
    refused(s, "hadoop mode sideways", "no mode 'sideways'")
  }

  func testBadMapReduceInputIsRefused() {
    let s = ShellSession(config: WorldConfig())
    refused(s, "mr run /in --output /out", "no HDFS yet")
    refused(s, "hdfs start --tracker-expiry 1m", "--tracker-expiry is MapReduce's: add --mapreduce")
    runOK(s, ["hdfs start"])
    refused(s, "mr run /in --output /out", "no JobTracker: 'hdfs start --mapreduce' starts one")
    let m = ShellSession(config: WorldConfig())
    runOK(m, ["hdfs start --mapreduce", "hdfs put /in 10MB"])
    refused(m, "mr run /in", "mr run needs --output PATH")
    refused(m, "mr run in --output /out", "an HDFS path starts with /")
    refused(m, "mr run /missing --output /out", "FileNotFoundException: /missing")
    refused(m, "mr run /in --output /out --ratio 2", "--ratio must be a ratio from 0 to 1")
    refused(m, "mr status job_0009", "no jobs yet: 'mr run INPUT --output PATH' submits one")
    refused(m, "mr run /in --output /o --program wordcount", "/in was put by size and holds no text")
    refused(m, "mr run /in --output /o --program grep", "grep needs --pattern REGEX")
    refused(m, "mr run /in --output /o --program grep --pattern (", "is not a regular expression")
    refused(m, "mr run /in --output /o --program count", "--program is one of wordcount, grep, sort, not 'count'")
    refused(m, "mr run /in --output /o --pattern x", "--pattern goes with --program grep")
    refused(m, "mr run /in --output /o --program sort --ratio 10%", "--ratio is for a job of sizes")
    refused(m, "expect mr.complete == true", "no job submitted yet")
  }
}
