// The loop of the iOS shell over the app core (`AppShell`, JSON in and out):
// send(event) → core.dispatch → effects → EffectRunner; on Render the view model is read and
// republished, and SwiftUI redraws. Events are applied one at a time, in the order they were
// sent (one drain loop on the main actor); every core call runs on a queue of its own, so the
// main thread never waits for SQLite, a photo or the network. No rule lives here.
import Foundation
import HoctapCore
import Network
import os
import UIKit

let logger = Logger(subsystem: "vn.hoctap", category: "shell")

/// The `AppShell` and the queues its blocking calls run on.
final class Core: @unchecked Sendable {
    let app: AppShell
    /// dispatch and view: quick, in order.
    private let serial = DispatchQueue(label: "vn.hoctap.core", qos: .userInitiated)
    /// runTask: photo processing, enrollment, sync (seconds to minutes), several at once.
    private let workers = DispatchQueue(label: "vn.hoctap.tasks", qos: .utility, attributes: .concurrent)

    init(app: AppShell) { self.app = app }

    /// Apply one event; returns the effects JSON and, when a Render is among them, the view JSON.
    func dispatch(_ eventJson: String) async throws -> (effects: String, view: String?) {
        try await on(serial) { app in
            let effects = try app.dispatch(eventJson: eventJson)
            var view: String?
            if effects.contains("\"Render\"") { view = try app.view() }
            return (effects: effects, view: view)
        }
    }

    /// Run a task (JSON of `Task`) on a worker thread; returns the event JSON to dispatch.
    func runTask(_ taskJson: String) async throws -> String {
        try await on(workers) { app in try app.runTask(taskJson: taskJson) }
    }

    /// The decrypted thumbnail JPEG of a stored photo, read on a worker thread (not the serial
    /// queue: a screen of thumbnails never holds up the events).
    func thumbnail(sha256: String) async throws -> Data {
        try await on(workers) { app in try app.thumbnail(sha256: sha256) }
    }

    /// Blocking work on a GCD queue, awaited without holding a Swift concurrency thread.
    private func on<T>(_ queue: DispatchQueue, _ body: @escaping (AppShell) throws -> T) async throws -> T {
        let app = self.app
        return try await withCheckedThrowingContinuation { cont in
            queue.async { cont.resume(with: Swift.Result { try body(app) }) }
        }
    }
}

/// A JSON value, or null.
func orNull(_ value: Any?) -> Any { value ?? NSNull() }

/// An event for the core, as serde's externally tagged JSON: a bare string for a unit variant,
/// `{"Name":{fields}}` otherwise. Absent optional values are NSNull (JSON null).
struct CoreEvent {
    let json: Any

    static func unit(_ name: String) -> CoreEvent { CoreEvent(json: name) }
    static func tagged(_ name: String, _ fields: [String: Any]) -> CoreEvent { CoreEvent(json: [name: fields]) }

    func encoded() throws -> String {
        if let name = json as? String { return "\"\(name)\"" }
        return String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
    }

    static let started = unit("Started")
    static let resumed = unit("Resumed")
    static let paused = unit("Paused")
    static let back = unit("Back")
    static let refresh = unit("Refresh")
    static let dismissMessage = unit("DismissMessage")
    static let confirmDialog = unit("ConfirmDialog")
    static let cancelDialog = unit("CancelDialog")
    static let enrollSubmit = unit("EnrollSubmit")
    static let scanQr = unit("ScanQr")
    static let qrCancelled = unit("QrCancelled")
    static let loadMore = unit("LoadMore")
    static let submitForm = unit("SubmitForm")
    static let finalize = unit("Finalize")
    static let discardDraft = unit("DiscardDraft")
    static let correct = unit("Correct")
    static let sendNow = unit("SendNow")
    static let reenroll = unit("Reenroll")

    static func open(_ target: Target) -> CoreEvent { tagged("Open", ["target": target.json]) }
    static func networkChanged(online: Bool, unmetered: Bool) -> CoreEvent {
        tagged("NetworkChanged", ["online": online, "unmetered": unmetered])
    }
    static func enrollServerChanged(_ text: String) -> CoreEvent { tagged("EnrollServerChanged", ["text": text]) }
    static func enrollCodeChanged(_ text: String) -> CoreEvent { tagged("EnrollCodeChanged", ["text": text]) }
    /// A photo of a QR code: its bytes as an array of byte values.
    static func qrImage(_ bytes: Data) -> CoreEvent { tagged("QrImage", ["bytes": bytes.map { Int($0) }]) }
    static func searchChanged(_ text: String) -> CoreEvent { tagged("SearchChanged", ["text": text]) }
    static func filterChanged(_ status: String?) -> CoreEvent { tagged("FilterChanged", ["status": orNull(status)]) }
    static func householdFormChanged(_ i: VM.HouseholdInput) -> CoreEvent {
        tagged("HouseholdFormChanged", ["input": [
            "head": i.head, "address": orNull(i.address), "phone": orNull(i.phone),
            "roster_code": orNull(i.rosterCode),
        ] as [String: Any]])
    }
    static func memberFormChanged(_ i: VM.MemberInput) -> CoreEvent {
        tagged("MemberFormChanged", ["input": [
            "name": i.name, "birth_year": orNull(i.birthYear), "sex": orNull(i.sex),
            "relation": orNull(i.relation), "schooling": orNull(i.schooling),
            "literate": orNull(i.literate), "cdht": orNull(i.cdht),
            "unable_to_learn": i.unableToLearn,
        ] as [String: Any]])
    }
    static func removeMember(_ id: String) -> CoreEvent { tagged("RemoveMember", ["member_id": id]) }
    static func removeHousehold(_ id: String) -> CoreEvent { tagged("RemoveHousehold", ["household_id": id]) }
    static func register(_ s: VM.SubjectRef, model: String) -> CoreEvent {
        tagged("Register", ["subject": ["kind": s.kind, "id": s.id], "model": model])
    }
    static func startAssessment(_ s: VM.SubjectRef, model: String) -> CoreEvent {
        tagged("StartAssessment", ["subject": ["kind": s.kind, "id": s.id], "model": model])
    }
    static func setPoints(_ indicator: String, _ points: Double) -> CoreEvent {
        tagged("SetAnswer", ["indicator_id": indicator, "answer": ["Points": ["points": points]]])
    }
    static func setYesNo(_ indicator: String, _ yes: Bool) -> CoreEvent {
        tagged("SetAnswer", ["indicator_id": indicator, "answer": ["YesNo": ["yes": yes]]])
    }
    static func setOverride(_ indicator: String, _ points: Double, reason: String) -> CoreEvent {
        tagged("SetAnswer", ["indicator_id": indicator,
                             "answer": ["Override": ["points": points, "reason": reason] as [String: Any]]])
    }
    static func clearAnswer(_ indicator: String) -> CoreEvent {
        tagged("SetAnswer", ["indicator_id": indicator, "answer": "Clear"])
    }
    static func stepAnswer(_ indicator: String, _ steps: Int) -> CoreEvent {
        tagged("StepAnswer", ["indicator_id": indicator, "steps": steps])
    }
    static func setNote(_ indicator: String, _ note: String?) -> CoreEvent {
        tagged("SetNote", ["indicator_id": indicator, "note": orNull(note)])
    }
    static func capturePhoto(_ indicator: String) -> CoreEvent { tagged("CapturePhoto", ["indicator_id": indicator]) }
    static func pickPhoto(_ indicator: String) -> CoreEvent { tagged("PickPhoto", ["indicator_id": indicator]) }
    static func photoCaptured(_ captureId: String) -> CoreEvent { tagged("PhotoCaptured", ["capture_id": captureId]) }
    static func photoCancelled(_ captureId: String) -> CoreEvent { tagged("PhotoCancelled", ["capture_id": captureId]) }
    static func removePhoto(_ indicator: String, sha256: String) -> CoreEvent {
        tagged("RemovePhoto", ["indicator_id": indicator, "sha256": sha256])
    }
    static func retryItem(_ id: String) -> CoreEvent { tagged("RetryItem", ["assessment_id": id]) }
    static func keepAsDraft(_ id: String) -> CoreEvent { tagged("KeepAsDraft", ["assessment_id": id]) }
    static func setDeviceName(_ name: String) -> CoreEvent { tagged("SetDeviceName", ["name": name]) }
    static func setPhotosWifiOnly(_ on: Bool) -> CoreEvent { tagged("SetPhotosWifiOnly", ["on": on]) }
    static func setYear(_ year: Int) -> CoreEvent { tagged("SetYear", ["year": year]) }
}

/// A screen a tap opens (`Target`).
struct Target {
    let json: Any
    private static func tagged(_ name: String, _ fields: [String: Any]) -> Target { Target(json: [name: fields]) }

    static let home = Target(json: "Home")
    static let enrollment = Target(json: "Enrollment")
    static let clans = Target(json: "Clans")
    static let units = Target(json: "Units")
    static let outbox = Target(json: "Outbox")
    static let returned = Target(json: "Returned")
    static let summary = Target(json: "Summary")
    static let settings = Target(json: "Settings")
    static func households(hamletId: String?) -> Target { tagged("Households", ["hamlet_id": orNull(hamletId)]) }
    static func household(_ id: String) -> Target { tagged("Household", ["id": id]) }
    static func newHousehold(hamletId: String) -> Target { tagged("NewHousehold", ["hamlet_id": hamletId]) }
    static func editHousehold(_ id: String) -> Target { tagged("EditHousehold", ["id": id]) }
    static func newMember(householdId: String) -> Target { tagged("NewMember", ["household_id": householdId]) }
    static func editMember(_ id: String) -> Target { tagged("EditMember", ["member_id": id]) }
    static func clan(_ id: String) -> Target { tagged("Clan", ["id": id]) }
    static func hamlet(_ id: String) -> Target { tagged("Hamlet", ["id": id]) }
    static func unit(_ id: String) -> Target { tagged("Unit", ["id": id]) }
    static func assessment(_ id: String) -> Target { tagged("Assessment", ["id": id]) }
}

/// The message of a core error, in Vietnamese (the generated `errorDescription` is a debug dump).
func message(of error: Error) -> String {
    guard let e = error as? HoctapError else { return error.localizedDescription }
    switch e {
    case .InvalidInput(let m), .NotFound(let m), .NotEnrolled(let m), .Network(let m), .Auth(let m),
         .StorageFull(let m), .Conflict(let m), .Photo(let m), .Key(let m), .Internal(let m):
        return m
    }
}

/// The process-wide shell: the one core, the current view model, the effect runner.
@MainActor
final class Shell: ObservableObject {
    static let shared = Shell()

    /// The view model on screen (nil until the core is open).
    @Published private(set) var model: VM.ViewModel?
    /// Why the core could not be opened (a wrong data key, a damaged database …).
    @Published private(set) var failure: String?
    let effects = EffectRunner()

    private(set) var core: Core?
    private var dataDir = ""
    private var waiters: [CheckedContinuation<Core, Never>] = []
    private var pending: [String] = []
    private var draining = false
    private var started = false
    private let monitor = NWPathMonitor()
    /// The network as last reported (the background sync decides whether photos go).
    private(set) var unmetered = false

    /// Open the core off the main thread, then dispatch Started. Called once at launch
    /// (also for a background launch by BGTaskScheduler).
    func start() {
        guard !started else { return }
        started = true
        let version = Bundle.main.object(forInfoDictionaryKey: "CFBundleShortVersionString") as? String ?? "0"
        let deviceName = UIDevice.current.name
        Task.detached(priority: .userInitiated) {
            do {
                let dir = try FileManager.default.url(for: .applicationSupportDirectory, in: .userDomainMask,
                                                      appropriateFor: nil, create: true)
                    .appendingPathComponent("hoctap", isDirectory: true)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                // Keep the data out of iCloud backups: it is encrypted under a key that never
                // leaves this phone, so a restored copy could not be opened anyway.
                var rv = URLResourceValues()
                rv.isExcludedFromBackup = true
                var url = dir
                try? url.setResourceValues(rv)
                let key = try DataKeyStore.dataKey()
                let app = try AppShell.openEncrypted(dataDir: dir.path, key: key, appVersion: version,
                                                     deviceName: deviceName)
                await self.opened(Core(app: app), dir: dir.path)
            } catch {
                logger.error("open failed: \(String(describing: error), privacy: .public)")
                await self.openFailed(error is DataKeyStore.Failure ? L("error.key_store") : message(of: error))
            }
        }
    }

    private func opened(_ core: Core, dir: String) {
        self.core = core
        dataDir = dir
        waiters.forEach { $0.resume(returning: core) }
        waiters.removeAll()
        monitor.pathUpdateHandler = { path in
            let online = path.status == .satisfied
            let unmetered = online && !path.isExpensive && !path.isConstrained
            Task { @MainActor in
                Shell.shared.unmetered = unmetered
                Shell.shared.send(.networkChanged(online: online, unmetered: unmetered))
            }
        }
        pending.insert((try? CoreEvent.started.encoded()) ?? "\"Started\"", at: 0)
        drain()
        monitor.start(queue: DispatchQueue(label: "vn.hoctap.network"))
    }

    private func openFailed(_ text: String) { failure = text }

    /// The core, once open.
    func ready() async -> Core {
        if let core { return core }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// Send an event to the core (applied after every event sent before it).
    func send(_ event: CoreEvent) {
        do {
            sendJSON(try event.encoded())
        } catch {
            logger.error("event not encodable: \(String(describing: error), privacy: .public)")
        }
    }

    /// Send an event already in JSON (what `runTask` returns).
    func sendJSON(_ json: String) {
        pending.append(json)
        drain()
    }

    private func drain() {
        guard let core, !draining else { return }
        draining = true
        Task { @MainActor in
            while !pending.isEmpty {
                let event = pending.removeFirst()
                do {
                    let out = try await core.dispatch(event)
                    if let view = out.view {
                        do { model = try VM.decode(view) } catch {
                            logger.error("view not readable: \(String(describing: error), privacy: .public)")
                        }
                    }
                    effects.perform(Effect.parse(out.effects), shell: self)
                } catch {
                    // An event the core could not read (a shell bug) or an internal error.
                    logger.error("dispatch failed: \(message(of: error), privacy: .public)")
                }
            }
            draining = false
        }
    }

    /// Decrypted thumbnail JPEG of a stored photo (`AppShell.thumbnail`, off the main thread);
    /// nil when it cannot be read (a damaged file): the placeholder stays.
    func thumbnail(sha256: String) async -> Data? {
        let core = await ready()
        do {
            return try await core.thumbnail(sha256: sha256)
        } catch {
            logger.error("thumbnail not readable: \(message(of: error), privacy: .public)")
            return nil
        }
    }

    /// Where the data lives (for the JPEG files of captures).
    var dataDirectory: String { dataDir }
}
