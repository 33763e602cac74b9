import DistLab

/// Hadoop's three ways to run (the primer's §10): standalone — one process, no daemons, the
/// local file system and the LocalJobRunner; pseudo-distributed — every daemon on one machine,
/// `localhost`; fully distributed — the daemons spread over nodes and racks.
public enum HadoopMode: String, Sendable, CaseIterable {
  case standalone, pseudo, distributed
}

extension HDFSClient {
  /// Why a mode change was refused.
  public enum ModeRefusal: Error, Equatable, Sendable {
    /// A job still runs on the JobTracker: stopping the daemons would kill it.
    case jobRunning(String)
  }

  /// Changes mode as an administrator would: stop every daemon of the running cluster (their
  /// disks keep what they held), then let the next `start` bring up the new layout. Refused
  /// while a job runs. Answers the nodes stopped.
  public func change(to new: HadoopMode) throws(WorldError) -> Result<[NodeID], ModeRefusal> {
    if jobtracker != nil, case .success(let jobs) = try self.jobs(),
      let running = jobs.first(where: { $0.finished == nil })
    {
      return .failure(.jobRunning(running.id))
    }
    var daemons = [namenode, secondary, jobtracker].compactMap { $0 } + datanodes
    daemons = daemons.enumerated().filter { !daemons[..<$0.offset].contains($0.element) }.map(\.element)
    var stopped: [NodeID] = []
    for d in daemons {
      do {
        _ = try world.kill([d])
        stopped.append(d)
      } catch {
        // stop-all.sh finds that daemon already stopped: nothing to do.
        guard case .alreadyDown = error else { throw error }
      }
    }
    forget()
    mode = new
    return .success(stopped)
  }

  /// `hadoop fs -put` in standalone mode: a copy on the local file system.
  public func putLocal(_ path: String, _ bytes: [UInt8]) -> Result<Void, Failure> {
    guard localFiles[path] == nil else { return .failure(.refused("\(path) already exists")) }
    localFiles[path] = bytes
    return .success(())
  }

  public func removeLocal(_ path: String, recursive: Bool = false) -> Result<Void, Failure> {
    let doomed = localFiles.keys.filter { $0 == path || recursive && $0.hasPrefix(path + "/") }
    guard !doomed.isEmpty else { return .failure(.refused("FileNotFoundException: \(path)")) }
    for p in doomed { localFiles[p] = nil }
    return .success(())
  }

  /// A standalone job: the LocalJobRunner reads the local files, runs every map and the one
  /// reduce in this process, and writes OUTPUT/part-00000.
  public func runLocal(_ program: JobProgram, input: [String], output: String, reducers: Int) -> Result<
    MapReduceJob, Failure
  > {
    var files: [[UInt8]] = []
    for p in input {
      guard let f = localFiles[p] else { return .failure(.refused("Input path does not exist: file:\(p)")) }
      files.append(f)
    }
    let part = output + "/part-00000"
    guard !localFiles.keys.contains(where: { $0 == output || $0.hasPrefix(output + "/") }) else {
      return .failure(.refused("Output directory file:\(output) already exists"))
    }
    let id = String(format: "job_local_%04d", localJobs.count + 1)
    let (job, text) = LocalJobRunner.run(program, id: id, input: input, files: files, output: output, at: world.now)
    localFiles[part] = text
    localJobs.append(job)
    return .success(job)
  }
}
