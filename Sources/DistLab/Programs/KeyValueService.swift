/// A node's key/value store served over RPC, with bulk methods for moving many keys at once.
public final class KeyValueService: Service {
  var store = KeyValueStore()

  public init() {}

  public func metrics() -> [(String, Double)] { [("keys", Double(store.count))] }
  public func data() -> [String: Value]? { store.entries }

  static let key = ArgumentSpec("KEY", .key)

  public static let methods: [ServiceMethod<KeyValueService>] = [
    ServiceMethod("kv.get", [key], "the value stored under KEY, or null") { s, r, _ in
      .value([s.store.get(r.key(0)) ?? .null])
    },
    ServiceMethod("kv.put", [key, ArgumentSpec("VALUE", .value)], "stores VALUE; replies with the old value") {
      s, r, _ in .value([s.store.put(r.key(0), r.args[1]) ?? .null])
    },
    ServiceMethod("kv.delete", [key], "removes KEY; replies whether it existed") { s, r, _ in
      .value([.bool(s.store.delete(r.key(0)))])
    },
    ServiceMethod("kv.incr", [key, ArgumentSpec("INT", .int, optional: true)], "adds to an integer (not idempotent)") {
      s, r, _ in
      switch s.store.increment(r.key(0), by: r.args.count == 2 ? (r.args[1].intValue ?? 0) : 1) {
      case .success(let v): .value([.int(v)])
      case .failure(let e): .error(e.message)
      }
    },
    ServiceMethod("kv.keys", [], "every key, sorted") { s, _, _ in
      .value([.list(s.store.entries.keys.sorted().map { .string($0) })])
    },
    ServiceMethod("kv.mput", [ArgumentSpec("[KEY, VALUE, …]", .list)], "stores many pairs; replies with how many") {
      s, r, _ in
      guard case .list(let items) = r.args[0], items.count % 2 == 0 else {
        return .error("kv.mput takes one list of key, value pairs")
      }
      for i in stride(from: 0, to: items.count, by: 2) {
        s.store.put(items[i].stringValue ?? items[i].description, items[i + 1])
      }
      return .value([.int(Int64(items.count / 2))])
    },
    ServiceMethod("kv.mget", [ArgumentSpec("[KEY, …]", .list)], "the values of many keys (null when missing)") {
      s, r, _ in
      guard case .list(let items) = r.args[0] else { return .error("kv.mget takes one list of keys") }
      return .value([.list(items.map { s.store.get($0.stringValue ?? $0.description) ?? .null })])
    },
    ServiceMethod("kv.mdel", [ArgumentSpec("[KEY, …]", .list)], "removes many keys; replies with how many existed") {
      s, r, _ in
      guard case .list(let items) = r.args[0] else { return .error("kv.mdel takes one list of keys") }
      return .value([.int(Int64(items.filter { s.store.delete($0.stringValue ?? $0.description) }.count))])
    },
  ]
}
