// App entry of the iOS shell: opens the Rust core once (AppModel), registers the background
// sync task, and shows the household list. The shell renders and schedules; every rule lives in
// the core behind HoctapCore.
import BackgroundTasks
import HoctapCore
import SwiftUI
import UIKit

final class AppDelegate: NSObject, UIApplicationDelegate {
    func application(
        _ application: UIApplication,
        didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil
    ) -> Bool {
        // Must be registered before the end of launch (Info.plist lists the identifier under
        // BGTaskSchedulerPermittedIdentifiers).
        BackgroundSync.shared.register()
        return true
    }

    /// The system relaunched the app to deliver background URLSession events.
    func application(
        _ application: UIApplication,
        handleEventsForBackgroundURLSession identifier: String,
        completionHandler: @escaping () -> Void
    ) {
        BackgroundSync.shared.resumeSession(identifier: identifier, completion: completionHandler)
    }
}

@main
struct SoHocTapApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) var delegate
    @StateObject private var model = AppModel.shared
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            NavigationStack {
                if let error = model.openError {
                    Text(error).padding()
                } else {
                    HouseholdListView()
                }
            }
            .environmentObject(model)
        }
        .onChange(of: scenePhase) { phase in
            if phase == .background {
                BackgroundSync.shared.schedule()
            }
        }
    }
}
