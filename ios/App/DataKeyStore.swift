// The data key of the app's encrypted data (the database and every photo): 32 random bytes from
// SecRandomCopyBytes, kept as a Keychain generic-password item readable after the first unlock
// since boot (background sync runs with the screen locked) and never leaving this device (no
// iCloud Keychain, no backup restore onto another phone). Platform APIs only (Security).
//
// Getting the key is the shell's effect; the core only receives the 32 bytes
// (HoctapApp.openEncrypted) and derives the database and photo keys from them. A lost Keychain
// item loses the data on this phone; what was synced is on the server.
import Foundation
import Security

enum DataKeyStore {
    private static let service = "vn.hoctap.data-key"
    private static let account = "hoctap"

    enum Failure: Error { case keychain(OSStatus), random(OSStatus) }

    /// The 32-byte data key: read from the Keychain, or created and stored on first run.
    static func dataKey() throws -> Data {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecReturnData as String: true,
            kSecMatchLimit as String: kSecMatchLimitOne,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecSuccess, let data = item as? Data, data.count == 32 { return data }
        guard status == errSecItemNotFound else { throw Failure.keychain(status) }

        var key = Data(count: 32)
        let rc = key.withUnsafeMutableBytes { SecRandomCopyBytes(kSecRandomDefault, 32, $0.baseAddress!) }
        guard rc == errSecSuccess else { throw Failure.random(rc) }
        let add: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecValueData as String: key,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        let added = SecItemAdd(add as CFDictionary, nil)
        guard added == errSecSuccess else { throw Failure.keychain(added) }
        return key
    }
}
