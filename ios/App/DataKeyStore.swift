// The data key of the app's encrypted data (the database and every photo): 32 random bytes from
// SecRandomCopyBytes, kept as a Keychain generic-password item readable after the first unlock
// since boot (background sync runs with the screen locked) and never leaving this device (no
// iCloud Keychain, no backup restore onto another phone). Platform APIs only (Security).
//
// Getting the key is the shell's effect; the core only receives the 32 bytes
// (AppShell.openEncrypted, Shell.swift) and derives the database and photo keys from them. A lost Keychain
// item loses the data on this phone; what was synced is on the server.
import Foundation
import Security

enum DataKeyStore {
    private static let service = "vn.hoctap.data-key"
    private static let account = "hoctap"

    enum Failure: Error { case keychain(OSStatus), random(OSStatus) }

    /// The 32-byte data key: read from the Keychain, or created and stored on first run.
    static func dataKey() throws -> Data {
        if let key = try read() { return key }
        let key = try random()
        let add: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecValueData as String: key,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        let added = SecItemAdd(add as CFDictionary, nil)
        if added == errSecDuplicateItem, let stored = try read() { return stored } // a concurrent first run
        guard added == errSecSuccess else { throw Failure.keychain(added) }
        return key
    }

    /// The stored key; nil when there is none yet. Before the first unlock since boot the
    /// Keychain refuses (errSecInteractionNotAllowed): that is an error, never "no key".
    private static func read() throws -> Data? {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecReturnData as String: true,
            kSecMatchLimit as String: kSecMatchLimitOne,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess, let data = item as? Data else { throw Failure.keychain(status) }
        // Never replace a stored key that looks wrong: the core reports it (Key error), data kept.
        return data
    }

    private static func random() throws -> Data {
        var bytes = [UInt8](repeating: 0, count: 32)
        let rc = SecRandomCopyBytes(kSecRandomDefault, bytes.count, &bytes)
        guard rc == errSecSuccess else { throw Failure.random(rc) }
        return Data(bytes)
    }
}
