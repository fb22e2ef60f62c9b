// Holds the one HoctapApp of the process and runs its calls off the main thread: every façade
// call blocks (SQLite, photo processing, network). Screens await `model.call { app in … }` and
// show the Vietnamese message of a HoctapError as it is.
import Foundation
import HoctapCore

@MainActor
final class AppModel: ObservableObject {
    static let shared = AppModel()

    /// The core; nil only if the data directory cannot be opened.
    nonisolated let core: HoctapApp?
    @Published var openError: String?
    @Published var year: Int32 = currentYear()

    private init() {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
            .appendingPathComponent("hoctap", isDirectory: true)
        do {
            // Encrypted at rest with the Keychain's data key; clear data of an earlier version
            // is encrypted by this first keyed open, without loss.
            let key = try DataKeyStore.dataKey()
            core = try HoctapApp.openEncrypted(dataDir: dir.path, key: key, options: defaultAppOptions())
        } catch {
            core = nil
            openError = AppModel.message(error)
        }
    }

    /// Run a blocking core call on a background thread.
    nonisolated func call<T>(_ body: @escaping (HoctapApp) throws -> T) async throws -> T {
        guard let core else { throw HoctapError.Internal(message: "Không mở được dữ liệu") }
        return try await Task.detached(priority: .userInitiated) { try body(core) }.value
    }

    /// The text to show for an error (HoctapError messages are Vietnamese already).
    nonisolated static func message(_ error: Error) -> String {
        if let e = error as? HoctapError {
            switch e {
            case .NotEnrolled(let message): return message
            case .InvalidInput(let message), .NotFound(let message), .Network(let message),
                 .Auth(let message), .StorageFull(let message), .Conflict(let message),
                 .Photo(let message), .Key(let message), .Internal(let message):
                return message
            }
        }
        return error.localizedDescription
    }
}
