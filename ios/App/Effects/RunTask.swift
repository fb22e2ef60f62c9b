// Effect RunTask { task }: long work (photo processing, enrollment, sync, QR decoding) runs on a
// worker (Task.detached → Core.runTask on its worker queue), never on the main thread; the event
// it returns is dispatched on the main actor, in turn with the others. A background-task grant
// lets a photo or a sync finish when the cadre leaves the app meanwhile; if the OS ends it, the
// sync is cancelled (it then reports its end as an event like any other).
import UIKit

enum RunTask {
    @MainActor
    static func perform(taskJson: String, shell: Shell) {
        guard let core = shell.core else { return }
        let grant = BackgroundGrant { core.app.cancelSync() }
        Task.detached(priority: .utility) {
            do {
                let event = try await core.runTask(taskJson)
                await MainActor.run { shell.sendJSON(event) }
            } catch {
                // Only a task the core could not read (a shell bug): nothing to dispatch.
                logger.error("task failed: \(message(of: error), privacy: .public)")
            }
            await MainActor.run { grant.end() }
        }
    }
}

/// UIApplication background time for one task, ended once.
@MainActor
final class BackgroundGrant {
    private var id: UIBackgroundTaskIdentifier = .invalid

    init(onExpiry: @escaping () -> Void) {
        id = UIApplication.shared.beginBackgroundTask(withName: "vn.hoctap.task") { [weak self] in
            onExpiry()
            self?.end()
        }
    }

    func end() {
        guard id != .invalid else { return }
        UIApplication.shared.endBackgroundTask(id)
        id = .invalid
    }
}
