// Effect CapturePhoto { capture_id, target_path }: the camera (UIImagePickerController,
// sourceType .camera); the picture is written as JPEG to target_path (inside the data
// directory), then PhotoCaptured { capture_id } — or PhotoCancelled. The core processes the file
// (orients, shrinks, strips metadata); the shell only converts the platform's image to JPEG,
// keeping its EXIF (orientation, capture time) for the core's plausibility checks.
import ImageIO
import SwiftUI
import UIKit
import UniformTypeIdentifiers

enum CapturePhoto {
    @MainActor
    static func perform(captureId: String, targetPath: String, runner: EffectRunner) {
        if UIImagePickerController.isSourceTypeAvailable(.camera) {
            runner.presented = .camera(captureId: captureId, targetPath: targetPath)
        } else {
            // No camera (the simulator): the gallery, so that the flow still completes.
            runner.presented = .gallery(captureId: captureId, targetPath: targetPath)
        }
    }

    /// The camera closed: write the picture, then tell the core.
    @MainActor
    static func finish(captureId: String, targetPath: String, image: UIImage?, metadata: [String: Any]?) {
        guard let image else {
            Shell.shared.send(.photoCancelled(captureId))
            return
        }
        Task.detached(priority: .userInitiated) {
            do {
                try JPEGFile.write(image: image, metadata: metadata, to: targetPath)
                await MainActor.run { Shell.shared.send(.photoCaptured(captureId)) }
            } catch {
                logger.error("camera photo not written: \(String(describing: error), privacy: .public)")
                await MainActor.run { Shell.shared.send(.photoCancelled(captureId)) }
            }
        }
    }
}

/// The system camera.
struct CameraPicker: UIViewControllerRepresentable {
    let onFinish: (UIImage?, [String: Any]?) -> Void

    func makeUIViewController(context: Context) -> UIImagePickerController {
        let picker = UIImagePickerController()
        picker.sourceType = .camera
        picker.cameraCaptureMode = .photo
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ controller: UIImagePickerController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(onFinish: onFinish) }

    final class Coordinator: NSObject, UIImagePickerControllerDelegate, UINavigationControllerDelegate {
        let onFinish: (UIImage?, [String: Any]?) -> Void
        init(onFinish: @escaping (UIImage?, [String: Any]?) -> Void) { self.onFinish = onFinish }

        func imagePickerController(_ picker: UIImagePickerController,
                                   didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]) {
            onFinish(info[.originalImage] as? UIImage, info[.mediaMetadata] as? [String: Any])
        }

        func imagePickerControllerDidCancel(_ picker: UIImagePickerController) {
            onFinish(nil, nil)
        }
    }
}

/// JPEG files for the core: written beside the target and renamed onto it, so the core never
/// finds half a file (it looks for captures again after the app was killed).
enum JPEGFile {
    enum Failure: Error { case noImage, write, rename(Int32) }

    /// A camera picture with its metadata; the orientation is the UIImage's.
    static func write(image: UIImage, metadata: [String: Any]?, to path: String) throws {
        guard let cg = image.cgImage else { throw Failure.noImage }
        var props = metadata ?? [:]
        props[kCGImagePropertyOrientation as String] = orientation(image.imageOrientation).rawValue
        props[kCGImageDestinationLossyCompressionQuality as String] = 0.9
        try atomically(path) { url in
            guard let dest = CGImageDestinationCreateWithURL(url as CFURL, UTType.jpeg.identifier as CFString, 1, nil)
            else { throw Failure.write }
            CGImageDestinationAddImage(dest, cg, props as CFDictionary)
            guard CGImageDestinationFinalize(dest) else { throw Failure.write }
        }
    }

    /// Image data from the gallery: a JPEG is copied as is; HEIC, PNG and the rest are converted
    /// to JPEG (ImageIO, metadata kept). The core never sees a HEIC.
    static func write(data: Data, to path: String) throws {
        guard let source = CGImageSourceCreateWithData(data as CFData, nil), CGImageSourceGetCount(source) > 0
        else { throw Failure.noImage }
        if let type = CGImageSourceGetType(source), (type as String) == UTType.jpeg.identifier {
            try atomically(path) { url in try data.write(to: url) }
            return
        }
        try atomically(path) { url in
            guard let dest = CGImageDestinationCreateWithURL(url as CFURL, UTType.jpeg.identifier as CFString, 1, nil)
            else { throw Failure.write }
            let options = [kCGImageDestinationLossyCompressionQuality as String: 0.9] as CFDictionary
            CGImageDestinationAddImageFromSource(dest, source, 0, options)
            guard CGImageDestinationFinalize(dest) else { throw Failure.write }
        }
    }

    private static func atomically(_ path: String, _ body: (URL) throws -> Void) throws {
        let target = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        let temp = target.appendingPathExtension("part")
        try? FileManager.default.removeItem(at: temp)
        try body(temp)
        guard rename(temp.path, target.path) == 0 else { throw Failure.rename(errno) }
    }

    private static func orientation(_ o: UIImage.Orientation) -> CGImagePropertyOrientation {
        switch o {
        case .up: return .up
        case .down: return .down
        case .left: return .left
        case .right: return .right
        case .upMirrored: return .upMirrored
        case .downMirrored: return .downMirrored
        case .leftMirrored: return .leftMirrored
        case .rightMirrored: return .rightMirrored
        @unknown default: return .up
        }
    }
}
