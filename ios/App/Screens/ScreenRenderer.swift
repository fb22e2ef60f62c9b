// Draws the view model: the root (opening, a failure to open, the screen), the frame every
// screen shares (title, back, the core's dialog, message and sync bar) and one view per
// `ScreenView` variant. The core owns the navigation stack: "back" is an event, and the screen
// shown is always the one on top of the core's stack.
import SwiftUI

struct RootView: View {
    @EnvironmentObject private var shell: Shell
    @EnvironmentObject private var effects: EffectRunner

    var body: some View {
        Group {
            if let model = shell.model {
                ScreenFrame(model: model)
            } else if let failure = shell.failure {
                FailureView(text: failure)
            } else {
                ProgressView(L("loading")).controlSize(.large)
            }
        }
        .fullScreenCover(item: $effects.presented) { item in
            PresentedView(item: item).ignoresSafeArea()
        }
    }
}

/// The core could not open the data: say so; never offer to delete it.
private struct FailureView: View {
    let text: String
    var body: some View {
        VStack(spacing: 16) {
            Image(systemName: "exclamationmark.octagon").font(.largeTitle).foregroundStyle(.red)
            Text(L("error.open_title")).font(.headline)
            Text(text).multilineTextAlignment(.center)
        }
        .padding()
    }
}

/// Title, back, dialog, message and sync bar around the current screen.
private struct ScreenFrame: View {
    let model: VM.ViewModel
    @EnvironmentObject private var shell: Shell
    /// The dialog was answered; hidden until the core shows the next one.
    @State private var answered = false

    var body: some View {
        NavigationStack {
            ScreenRenderer(screen: model.screen)
                .navigationTitle(model.title)
                .navigationBarTitleDisplayMode(.inline)
                .toolbar {
                    ToolbarItem(placement: .navigationBarLeading) {
                        if model.canGoBack {
                            Button { shell.send(.back) } label: {
                                Label(L("common.back"), systemImage: "chevron.backward").labelStyle(.titleAndIcon)
                            }
                        }
                    }
                }
                .safeAreaInset(edge: .bottom, spacing: 0) {
                    VStack(spacing: 0) {
                        if let message = model.message { MessageBanner(message: message) }
                        SyncBarView(bar: model.sync)
                    }
                }
        }
        .alert(model.dialog?.title ?? "",
               isPresented: Binding(get: { model.dialog != nil && !answered }, set: { if !$0 { answered = true } }),
               presenting: model.dialog) { d in
            Button(d.confirmLabel, role: d.kind == "ConfirmFinalize" ? nil : .destructive) { shell.send(.confirmDialog) }
            Button(d.cancelLabel, role: .cancel) { shell.send(.cancelDialog) }
        } message: { d in
            Text(d.body)
        }
        .onChange(of: model.dialog == nil) { if $0 { answered = false } }
    }
}

/// The core's message at the bottom; dismissed with DismissMessage.
private struct MessageBanner: View {
    let message: VM.Message
    @EnvironmentObject private var shell: Shell

    var body: some View {
        HStack(alignment: .top) {
            Image(systemName: icon).foregroundStyle(color)
            Text(message.text).frame(maxWidth: .infinity, alignment: .leading)
            Button { shell.send(.dismissMessage) } label: {
                Image(systemName: "xmark").frame(minWidth: 44, minHeight: 44)
            }
            .accessibilityLabel(L("common.close"))
        }
        .padding(.horizontal)
        .background(color.opacity(0.15))
    }

    private var color: Color {
        switch message.level {
        case "Success": return .green
        case "Warning": return .orange
        case "Error": return .red
        default: return .blue
        }
    }

    private var icon: String {
        switch message.level {
        case "Success": return "checkmark.circle"
        case "Warning": return "exclamationmark.triangle"
        case "Error": return "xmark.octagon"
        default: return "info.circle"
        }
    }
}

/// The sync bar: the core's one line (and progress); opens the outbox; "Đăng ký lại" when the
/// server refused the device.
private struct SyncBarView: View {
    let bar: VM.SyncBar
    @EnvironmentObject private var shell: Shell

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Button { if bar.enrolled { shell.send(.open(.outbox)) } } label: {
                HStack {
                    Image(systemName: bar.online ? "arrow.triangle.2.circlepath" : "wifi.slash")
                    Text(bar.label).frame(maxWidth: .infinity, alignment: .leading)
                    if bar.running { ProgressView() }
                }
                .frame(minHeight: 44)
                .contentShape(Rectangle())
            }
            .buttonStyle(.plain)
            if let progress = bar.progress { Text(progress).font(.caption).foregroundStyle(.secondary) }
            if bar.needsReenroll {
                ActionButton(title: L("settings.reenroll"), prominent: true) { shell.send(.reenroll) }
            }
        }
        .font(.subheadline)
        .padding(.horizontal)
        .padding(.bottom, 4)
        .background(.bar)
    }
}

/// One view per `ScreenView` variant. Screens holding typed text are identified by what they
/// edit, so their fields start from the view model again when another one opens.
struct ScreenRenderer: View {
    let screen: VM.Screen

    var body: some View {
        switch screen {
        case .enrollment(let v): EnrollmentScreen(v: v)
        case .home(let v): HomeScreen(v: v)
        case .households(let v): HouseholdsScreen(v: v).id("households-\(v.hamletId ?? "*")")
        case .household(let v): HouseholdScreen(v: v)
        case .householdForm(let v): HouseholdFormScreen(v: v).id("household-form-\(v.householdId ?? "new-" + v.hamletId)")
        case .memberForm(let v): MemberFormScreen(v: v).id("member-form-\(v.memberId ?? "new-" + v.householdId)")
        case .clans(let v): ClansScreen(v: v)
        case .clan(let v): ClanScreen(v: v)
        case .hamlet(let v): HamletScreen(v: v)
        case .units(let v): UnitsScreen(v: v)
        case .unit(let v): UnitScreen(v: v)
        case .assessment(let v): AssessmentScreen(v: v).id("assessment-\(v.id)")
        case .outbox(let v): OutboxScreen(v: v)
        case .returned(let v): ReturnedScreen(v: v)
        case .summary(let v): SummaryScreen(v: v)
        case .settings(let v): SettingsScreen(v: v)
        case .unavailable(let v): UnavailableScreen(v: v)
        }
    }
}

/// The camera, gallery or QR scanner an effect asked for.
private struct PresentedView: View {
    let item: Presented
    @EnvironmentObject private var effects: EffectRunner

    var body: some View {
        switch item {
        case .camera(let id, let path):
            CameraPicker { image, metadata in
                effects.presented = nil
                CapturePhoto.finish(captureId: id, targetPath: path, image: image, metadata: metadata)
            }
        case .gallery(let id, let path):
            GalleryPicker { data in
                effects.presented = nil
                PickPhoto.finish(captureId: id, targetPath: path, data: data)
            }
        case .qrScanner:
            if UIImagePickerController.isSourceTypeAvailable(.camera) {
                CameraPicker { image, _ in
                    effects.presented = nil
                    ScanQr.finish(image: image)
                }
            } else {
                GalleryPicker { data in
                    effects.presented = nil
                    ScanQr.finish(data: data)
                }
            }
        }
    }
}
