// The app's entry: one process-wide Shell (the core, opened off the main thread at launch, also
// when iOS launches the app in the background for a sync), the root view, and the lifecycle
// events the core wants (Resumed / Paused). The type is SoHocTapApp, not HoctapApp: the
// generated module HoctapCore already has a class HoctapApp.
import SwiftUI
import UserNotifications

@main
struct SoHocTapApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate
    @StateObject private var shell = Shell.shared
    @Environment(\.scenePhase) private var phase

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(shell)
                .environmentObject(shell.effects)
        }
        .onChange(of: phase) { phase in
            switch phase {
            case .active: shell.send(.resumed)
            // Saved now: a process killed in the background reopens on the same screen.
            case .background: shell.send(.paused)
            default: break
            }
        }
    }
}

/// Launch work that must happen before the end of launch: the background task handler is
/// registered, the core starts opening; notifications also show while the app is open.
final class AppDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate {
    func application(_ application: UIApplication,
                     didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        SyncTask.register()
        UNUserNotificationCenter.current().delegate = self
        Shell.shared.start()
        return true
    }

    func userNotificationCenter(_ center: UNUserNotificationCenter, willPresent notification: UNNotification,
                                withCompletionHandler completionHandler: @escaping (UNNotificationPresentationOptions) -> Void) {
        completionHandler([.banner, .sound])
    }
}
