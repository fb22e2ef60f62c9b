// Effect ScheduleSync { records_network, photos_network }: ask iOS for a background sync
// (BGProcessingTaskRequest with requiresNetworkConnectivity, see SyncTask.swift). Records go on
// any network. When photos_network is "unmetered" (the cadre chose Wi-Fi only) the background
// run sends photos only on an unmetered network and otherwise runs Sync { photos: false } —
// BGTaskScheduler has no Wi-Fi constraint of its own, so the constraint is kept here for it.
import Foundation

enum ScheduleSync {
    static let photosNetworkKey = "vn.hoctap.sync.photos_network"

    static func perform(recordsNetwork: String, photosNetwork: String) {
        UserDefaults.standard.set(photosNetwork, forKey: photosNetworkKey)
        SyncTask.schedule()
    }

    /// Whether a background run may send photos now.
    static func photosAllowed(unmetered: Bool) -> Bool {
        UserDefaults.standard.string(forKey: photosNetworkKey) != "unmetered" || unmetered
    }
}
