// The data key of the app's encrypted data (the database and every photo), kept with platform
// APIs only (no AndroidX Security): 32 random bytes from SecureRandom, wrapped with AES-256-GCM
// by a key that lives in the Android Keystore and never leaves it (hardware-backed where the
// phone has a TEE or StrongBox), and stored wrapped in noBackupFilesDir (not in cloud backups:
// the Keystore key cannot be restored on another phone, so a backup would be useless ciphertext).
//
// Getting the key is the shell's effect; the core only ever receives the 32 bytes
// (HoctapApp.openEncrypted) and derives the database and photo keys from them. Losing the
// Keystore entry (a factory reset, "clear storage") loses the data on this phone; what was
// synced is on the server.
package vn.hoctap.app

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.io.File
import java.security.KeyStore
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

object DataKeyStore {
    private const val KEYSTORE = "AndroidKeyStore"
    private const val ALIAS = "hoctap-data-key-wrap"
    private const val FILE = "hoctap-data-key.bin"
    private const val IV_LEN = 12
    private const val TAG_BITS = 128

    /** The 32-byte data key: unwrapped from its file, or created (and wrapped) on first run. */
    @Synchronized
    fun dataKey(context: Context): ByteArray {
        val file = File(context.noBackupFilesDir, FILE)
        val wrapKey = wrappingKey()
        if (file.exists()) {
            val blob = file.readBytes()
            val cipher = Cipher.getInstance("AES/GCM/NoPadding")
            cipher.init(Cipher.DECRYPT_MODE, wrapKey, GCMParameterSpec(TAG_BITS, blob, 0, IV_LEN))
            // A wrong or lost Keystore key throws here (AEADBadTagException): the shell shows
            // that the data on this phone can no longer be opened; it never deletes it.
            return cipher.doFinal(blob, IV_LEN, blob.size - IV_LEN)
        }
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.ENCRYPT_MODE, wrapKey) // the Keystore picks the IV
        val blob = cipher.iv + cipher.doFinal(key)
        // Written whole, then renamed: a kill never leaves half a key file.
        val tmp = File(file.path + ".tmp")
        tmp.outputStream().use { it.write(blob); it.fd.sync() }
        check(tmp.renameTo(file)) { "cannot store the data key" }
        return key
    }

    private fun wrappingKey(): SecretKey {
        val ks = KeyStore.getInstance(KEYSTORE).apply { load(null) }
        (ks.getKey(ALIAS, null) as? SecretKey)?.let { return it }
        val gen = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE)
        gen.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                // No user authentication: background sync must open the data with the screen
                // locked. The phone's own lock screen and file-based encryption guard the rest.
                .setUserAuthenticationRequired(false)
                .build(),
        )
        return gen.generateKey()
    }
}
