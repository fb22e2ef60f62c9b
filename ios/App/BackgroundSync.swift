// Background sync on iOS: BGTaskScheduler wakes the app now and then; the upload steps go
// through a background URLSession, so photo chunks keep uploading after the app is suspended.
// The shell only moves bytes: the core's sans-IO job API says which request comes next
// (nextUploadJob, body already written to a file) and interprets every response
// (completeUploadJob / failUploadJob). No business rule here.
import BackgroundTasks
import Foundation
import HoctapCore

final class BackgroundSync: NSObject, URLSessionDataDelegate, URLSessionDownloadDelegate {
    static let shared = BackgroundSync()
    static let taskId = "vn.hoctap.sync"
    static let sessionId = "vn.hoctap.upload"

    private let queue = DispatchQueue(label: "vn.hoctap.sync")
    private var bodies: [Int: Data] = [:]          // task id → response body (upload tasks)
    private var sessionCompletion: (() -> Void)?
    private var taskCompletion: ((Bool) -> Void)?

    private lazy var session: URLSession = {
        let config = URLSessionConfiguration.background(withIdentifier: Self.sessionId)
        config.sessionSendsLaunchEvents = true
        config.isDiscretionary = false
        config.timeoutIntervalForResource = 24 * 3600
        return URLSession(configuration: config, delegate: self, delegateQueue: nil)
    }()

    func register() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: Self.taskId, using: nil) { task in
            self.handle(task as! BGProcessingTask)
        }
    }

    /// Ask for a run when there is a network (the system chooses the moment).
    func schedule() {
        let request = BGProcessingTaskRequest(identifier: Self.taskId)
        request.requiresNetworkConnectivity = true
        request.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        try? BGTaskScheduler.shared.submit(request)
    }

    func resumeSession(identifier: String, completion: @escaping () -> Void) {
        guard identifier == Self.sessionId else { return completion() }
        sessionCompletion = completion
        _ = session // reconnect to the session; its delegate callbacks follow
    }

    private func handle(_ task: BGProcessingTask) {
        schedule()
        task.expirationHandler = {
            // Tasks already handed to URLSession go on; the core's session is rebuilt next time.
            AppModel.shared.core?.endUploadSession()
            task.setTaskCompleted(success: false)
        }
        taskCompletion = { ok in task.setTaskCompleted(success: ok) }
        queue.async { self.pump() }
    }

    /// Hand the next request of the run to URLSession, or finish.
    private func pump() {
        guard let core = AppModel.shared.core else { return finish(false) }
        let job: UploadJob?
        do {
            job = try core.nextUploadJob()
        } catch {
            return finish(false) // NotEnrolled, Auth, Conflict (a foreground sync runs) …
        }
        guard let job, let url = URL(string: job.url) else { return finish(true) }
        var request = URLRequest(url: url)
        request.httpMethod = job.method
        for h in job.headers { request.setValue(h.value, forHTTPHeaderField: h.name) }
        let task: URLSessionTask
        if let path = job.bodyPath {
            task = session.uploadTask(with: request, fromFile: URL(fileURLWithPath: path))
        } else {
            // Background sessions take only upload and download tasks: GET/HEAD go as downloads.
            task = session.downloadTask(with: request)
        }
        task.taskDescription = job.jobId
        task.resume()
    }

    private func finish(_ ok: Bool) {
        let done = taskCompletion
        taskCompletion = nil
        done?(ok)
    }

    private func complete(_ task: URLSessionTask, body: Data, error: Error?) {
        guard let core = AppModel.shared.core, let jobId = task.taskDescription else { return }
        queue.async {
            if error != nil || task.response == nil {
                try? core.failUploadJob(jobId: jobId)
            } else if let http = task.response as? HTTPURLResponse {
                let headers = http.allHeaderFields.map {
                    HttpHeader(name: "\($0.key)".lowercased(), value: "\($0.value)")
                }
                do {
                    _ = try core.completeUploadJob(
                        jobId: jobId, status: Int32(http.statusCode), headers: headers, body: body)
                } catch HoctapError.Network {
                    return self.finish(false) // server busy: try again at the next wake-up
                } catch HoctapError.NotFound {
                    // The app was relaunched: the new session repeats the request.
                } catch {
                    return self.finish(false)
                }
            }
            self.pump()
        }
    }

    // MARK: URLSession delegates

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        queue.sync { bodies[dataTask.taskIdentifier, default: Data()].append(data) }
    }

    func urlSession(
        _ session: URLSession, downloadTask: URLSessionDownloadTask,
        didFinishDownloadingTo location: URL
    ) {
        let data = (try? Data(contentsOf: location)) ?? Data()
        queue.sync { bodies[downloadTask.taskIdentifier] = data }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let body = queue.sync { bodies.removeValue(forKey: task.taskIdentifier) ?? Data() }
        complete(task, body: body, error: error)
    }

    func urlSessionDidFinishEvents(forBackgroundURLSession session: URLSession) {
        DispatchQueue.main.async {
            self.sessionCompletion?()
            self.sessionCompletion = nil
        }
    }
}
