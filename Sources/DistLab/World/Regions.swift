import Foundation

/// A place on Earth where nodes can live; messages between regions cannot beat light in fibre.
public struct Region: Hashable, Sendable {
  public var name: String
  public var latitude: Double
  public var longitude: Double
  public var label: String

  public init(name: String, latitude: Double, longitude: Double, label: String = "") {
    self.name = name
    self.latitude = latitude
    self.longitude = longitude
    self.label = label
  }

  /// Great-circle distance in kilometres (haversine, mean Earth radius 6,371 km).
  public func distanceKm(to other: Region) -> Double {
    let r = 6371.0
    let p1 = latitude * .pi / 180
    let p2 = other.latitude * .pi / 180
    let dp = (other.latitude - latitude) * .pi / 180
    let dl = (other.longitude - longitude) * .pi / 180
    let a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2)
    return 2 * r * atan2(a.squareRoot(), (1 - a).squareRoot())
  }

  /// Light in optical fibre covers about 200,000 km per second (two thirds of c).
  public static let fibreKmPerSecond = 200_000.0

  /// The one-way floor for `km` of fibre.
  public static func lightFloor(km: Double) -> Nanoseconds {
    Nanoseconds(Int64((km / fibreKmPerSecond * 1e9).rounded()))
  }

  /// Regions known without being defined: large cloud sites, by city.
  public static let catalogue: [Region] = [
    Region(name: "us-east", latitude: 38.95, longitude: -77.45, label: "Ashburn, Virginia"),
    Region(name: "us-west", latitude: 45.84, longitude: -119.70, label: "Boardman, Oregon"),
    Region(name: "sa-east", latitude: -23.55, longitude: -46.63, label: "São Paulo"),
    Region(name: "eu-west", latitude: 53.35, longitude: -6.26, label: "Dublin"),
    Region(name: "eu-central", latitude: 50.11, longitude: 8.68, label: "Frankfurt"),
    Region(name: "ap-south", latitude: 19.08, longitude: 72.88, label: "Mumbai"),
    Region(name: "ap-southeast", latitude: 1.35, longitude: 103.82, label: "Singapore"),
    Region(name: "ap-northeast", latitude: 35.68, longitude: 139.69, label: "Tokyo"),
    Region(name: "au-southeast", latitude: -33.87, longitude: 151.21, label: "Sydney"),
  ]
}
