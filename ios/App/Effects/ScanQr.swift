// Effect ScanQr: the cadre photographs the enrollment QR code (the camera, or the gallery where
// there is none) and the shell sends the picture as QrImage { bytes } — the core decodes it (a
// DecodeQr task). The picture is shrunk to at most 1000 px on its long side first: a QR code
// needs far less than a megapixel, and the bytes cross as a JSON array. Closed without a
// picture: QrCancelled.
import SwiftUI
import UIKit

enum ScanQr {
    @MainActor
    static func perform(runner: EffectRunner) {
        runner.presented = .qrScanner
    }

    /// The camera (or gallery) closed.
    @MainActor
    static func finish(image: UIImage?) {
        guard let image else {
            Shell.shared.send(.qrCancelled)
            return
        }
        Task.detached(priority: .userInitiated) {
            let bytes = ScanQr.downscaledJPEG(image)
            await MainActor.run {
                Shell.shared.send(bytes.map { CoreEvent.qrImage($0) } ?? .qrCancelled)
            }
        }
    }

    /// The gallery closed (no camera on this device).
    @MainActor
    static func finish(data: Data?) {
        finish(image: data.flatMap { UIImage(data: $0) })
    }

    /// The picture upright, at most `maxSide` px long, as JPEG.
    static func downscaledJPEG(_ image: UIImage, maxSide: CGFloat = 1000) -> Data? {
        let longest = max(image.size.width, image.size.height)
        guard longest > 0 else { return nil }
        let scale = min(1, maxSide / longest)
        let size = CGSize(width: (image.size.width * scale).rounded(), height: (image.size.height * scale).rounded())
        let format = UIGraphicsImageRendererFormat()
        format.scale = 1
        let small = UIGraphicsImageRenderer(size: size, format: format).image { _ in
            image.draw(in: CGRect(origin: .zero, size: size))
        }
        return small.jpegData(compressionQuality: 0.85)
    }
}
