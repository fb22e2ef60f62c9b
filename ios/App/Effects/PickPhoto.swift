// Effect PickPhoto { capture_id, target_path }: the gallery (PHPickerViewController, one image,
// no photo-library permission needed); the image — HEIC included — is written as JPEG to
// target_path (JPEGFile in CapturePhoto.swift), then PhotoCaptured { capture_id }, or
// PhotoCancelled when nothing was picked.
import PhotosUI
import SwiftUI
import UniformTypeIdentifiers

enum PickPhoto {
    @MainActor
    static func perform(captureId: String, targetPath: String, runner: EffectRunner) {
        runner.presented = .gallery(captureId: captureId, targetPath: targetPath)
    }

    /// The gallery closed with the image's data (nil: cancelled).
    @MainActor
    static func finish(captureId: String, targetPath: String, data: Data?) {
        guard let data else {
            Shell.shared.send(.photoCancelled(captureId))
            return
        }
        Task.detached(priority: .userInitiated) {
            do {
                try JPEGFile.write(data: data, to: targetPath)
                await MainActor.run { Shell.shared.send(.photoCaptured(captureId)) }
            } catch {
                logger.error("picked photo not written: \(String(describing: error), privacy: .public)")
                await MainActor.run { Shell.shared.send(.photoCancelled(captureId)) }
            }
        }
    }
}

/// The system photo picker, one image; hands back its data in the stored format.
struct GalleryPicker: UIViewControllerRepresentable {
    let onFinish: (Data?) -> Void

    func makeUIViewController(context: Context) -> PHPickerViewController {
        var config = PHPickerConfiguration()
        config.filter = .images
        config.selectionLimit = 1
        config.preferredAssetRepresentationMode = .current
        let picker = PHPickerViewController(configuration: config)
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ controller: PHPickerViewController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(onFinish: onFinish) }

    final class Coordinator: NSObject, PHPickerViewControllerDelegate {
        let onFinish: (Data?) -> Void
        init(onFinish: @escaping (Data?) -> Void) { self.onFinish = onFinish }

        func picker(_ picker: PHPickerViewController, didFinishPicking results: [PHPickerResult]) {
            guard let provider = results.first?.itemProvider,
                  provider.hasItemConformingToTypeIdentifier(UTType.image.identifier) else {
                onFinish(nil)
                return
            }
            provider.loadDataRepresentation(forTypeIdentifier: UTType.image.identifier) { data, error in
                if let error { logger.error("gallery: \(String(describing: error), privacy: .public)") }
                DispatchQueue.main.async { self.onFinish(data) }
            }
        }
    }
}
