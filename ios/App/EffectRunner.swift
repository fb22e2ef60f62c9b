// Routes every `Effect` of the core (app/src/effect.rs) to the iOS code that performs it, one
// file per effect in Effects/. Render is handled by the Shell (it republishes the view model
// read with the effects), so here it is a no-op.
import Foundation

/// `Effect`, read from the effects JSON array.
enum Effect {
    case render
    case capturePhoto(captureId: String, targetPath: String)
    case pickPhoto(captureId: String, targetPath: String)
    case scanQr
    /// The task exactly as the core wrote it (handed back to `runTask`).
    case runTask(taskJson: String)
    /// "any" or "unmetered" (`NetworkConstraint`).
    case scheduleSync(recordsNetwork: String, photosNetwork: String)
    case notify(title: String, body: String)
    case keepScreenOn(Bool)
    case closeApp

    static func parse(_ json: String) -> [Effect] {
        guard let list = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [Any] else {
            logger.error("effects not readable")
            return []
        }
        return list.compactMap { (item: Any) -> Effect? in
            if let name = item as? String {
                switch name {
                case "Render": return .render
                case "ScanQr": return .scanQr
                case "CloseApp": return .closeApp
                default: break
                }
            } else if let obj = item as? [String: Any], let first = obj.first,
                      let f = first.value as? [String: Any] {
                let name = first.key
                switch name {
                case "CapturePhoto", "PickPhoto":
                    guard let id = f["capture_id"] as? String, let path = f["target_path"] as? String else { break }
                    return name == "CapturePhoto" ? .capturePhoto(captureId: id, targetPath: path)
                                                  : .pickPhoto(captureId: id, targetPath: path)
                case "RunTask":
                    guard let task = f["task"], let data = try? JSONSerialization.data(withJSONObject: task) else { break }
                    return .runTask(taskJson: String(decoding: data, as: UTF8.self))
                case "ScheduleSync":
                    return .scheduleSync(recordsNetwork: f["records_network"] as? String ?? "any",
                                         photosNetwork: f["photos_network"] as? String ?? "any")
                case "Notify":
                    return .notify(title: f["title"] as? String ?? "", body: f["body"] as? String ?? "")
                case "KeepScreenOn":
                    return .keepScreenOn(f["on"] as? Bool ?? false)
                default: break
                }
            }
            logger.error("unknown effect: \(String(describing: item), privacy: .public)")
            return nil
        }
    }
}

/// What the root view presents for an effect that needs the screen (camera, gallery, scanner).
enum Presented: Identifiable {
    case camera(captureId: String, targetPath: String)
    case gallery(captureId: String, targetPath: String)
    case qrScanner

    var id: String {
        switch self {
        case .camera(let id, _): return "camera-\(id)"
        case .gallery(let id, _): return "gallery-\(id)"
        case .qrScanner: return "qr"
        }
    }
}

/// Performs effects on the main actor; long work goes to RunTask's workers.
@MainActor
final class EffectRunner: ObservableObject {
    /// The camera, gallery or QR scanner on screen.
    @Published var presented: Presented?

    func perform(_ effects: [Effect], shell: Shell) {
        for effect in effects {
            switch effect {
            case .render:
                break // the Shell already republished the view model
            case .capturePhoto(let id, let path):
                CapturePhoto.perform(captureId: id, targetPath: path, runner: self)
            case .pickPhoto(let id, let path):
                PickPhoto.perform(captureId: id, targetPath: path, runner: self)
            case .scanQr:
                ScanQr.perform(runner: self)
            case .runTask(let task):
                RunTask.perform(taskJson: task, shell: shell)
            case .scheduleSync(let records, let photos):
                ScheduleSync.perform(recordsNetwork: records, photosNetwork: photos)
            case .notify(let title, let body):
                Notify.perform(title: title, body: body)
            case .keepScreenOn(let on):
                KeepScreenOn.perform(on: on)
            case .closeApp:
                CloseApp.perform()
            }
        }
    }
}
