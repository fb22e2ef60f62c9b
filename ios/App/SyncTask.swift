// Background sync: BGTaskScheduler runs a BGProcessingTask (identifier vn.hoctap.sync, listed in
// Info.plist BGTaskSchedulerPermittedIdentifiers, "processing" background mode) when there is a
// network. The run is the core's own Sync task (TaskRunner, as a foreground "Gửi ngay"): the
// shell opens the core if the app was launched for it, runs the task on a worker and dispatches
// the event it returns, so the outbox, the sync bar and any notification follow. Photos go
// unless the cadre chose Wi-Fi only and the network is metered (ScheduleSync.swift). When iOS
// ends the time, the sync is cancelled; it resumes at the next run (uploads are resumable).
import BackgroundTasks
import Foundation

enum SyncTask {
    static let identifier = "vn.hoctap.sync"

    /// Before the end of launch (AppDelegate).
    static func register() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
            guard let task = task as? BGProcessingTask else {
                task.setTaskCompleted(success: false)
                return
            }
            SyncTask.handle(task)
        }
    }

    /// Ask for a run (replaces a pending request); iOS chooses the moment.
    static func schedule() {
        let request = BGProcessingTaskRequest(identifier: identifier)
        request.requiresNetworkConnectivity = true
        request.requiresExternalPower = false
        request.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        do {
            try BGTaskScheduler.shared.submit(request)
        } catch {
            // The simulator has no BGTaskScheduler; a device refuses when Background App
            // Refresh is off. The foreground sync still works.
            logger.info("background sync not scheduled: \(String(describing: error), privacy: .public)")
        }
    }

    private static func handle(_ task: BGProcessingTask) {
        schedule() // the next run: periodic, as Android's WorkManager job
        let completion = Completion(task)
        task.expirationHandler = {
            Task { @MainActor in Shell.shared.core?.app.cancelSync() }
            completion.finish(false)
        }
        Task { @MainActor in
            let shell = Shell.shared
            shell.start()
            let core = await shell.ready()
            let photos = ScheduleSync.photosAllowed(unmetered: shell.unmetered)
            let id = "bg-" + UUID().uuidString.lowercased()
            let taskJson = #"{"id":"\#(id)","kind":{"Sync":{"photos":\#(photos)}}}"#
            do {
                let event = try await core.runTask(taskJson)
                shell.sendJSON(event)
                completion.finish(true)
            } catch {
                logger.error("background sync: \(message(of: error), privacy: .public)")
                completion.finish(false)
            }
        }
    }

    /// setTaskCompleted exactly once (the run ending and the expiration may race).
    private final class Completion: @unchecked Sendable {
        private let task: BGTask
        private let lock = NSLock()
        private var done = false

        init(_ task: BGTask) { self.task = task }

        func finish(_ success: Bool) {
            lock.lock()
            defer { lock.unlock() }
            guard !done else { return }
            done = true
            task.setTaskCompleted(success: success)
        }
    }
}
