// Pieces the screens share: the status card of a subject for a model (its actions become
// events), the subject page of a clan / hamlet / unit, rows with large touch targets, empty
// labels, optional text bindings, numbers in Vietnamese, photo thumbnails. System text styles
// only, so Dynamic Type scales everything.
import SwiftUI

/// A fixed string of the shell (vi.lproj/Localizable.strings). What the core sends is already
/// Vietnamese and shown as is.
func L(_ key: String) -> String { NSLocalizedString(key, comment: "") }

/// A number as Vietnamese writes it (8,5), at most two decimals.
func vn(_ value: Double) -> String {
    value.formatted(.number.precision(.fractionLength(0...2)).locale(Locale(identifier: "vi_VN")))
}

/// A decimal typed by the cadre ("8,5" or "8.5"); nil when it is not a number (the core checks
/// the range).
func parseNumber(_ text: String) -> Double? {
    Double(text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "."))
}

/// An optional text field: empty is nil.
func optionalText(_ binding: Binding<String?>) -> Binding<String> {
    Binding(get: { binding.wrappedValue ?? "" }, set: { binding.wrappedValue = $0.isEmpty ? nil : $0 })
}

/// A tappable row that opens something: the whole row is the target, at least 44 pt high.
struct RowButton<Content: View>: View {
    let action: () -> Void
    @ViewBuilder let content: () -> Content

    var body: some View {
        Button(action: action) {
            HStack {
                VStack(alignment: .leading, spacing: 4) { content() }
                Spacer(minLength: 8)
                Image(systemName: "chevron.forward").foregroundStyle(.tertiary)
            }
            .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
            .contentShape(Rectangle())
        }
        .buttonStyle(.plain)
    }
}

/// A full-width button of a screen's main actions.
struct ActionButton: View {
    let title: String
    var role: ButtonRole?
    var prominent = false
    let action: () -> Void

    var body: some View {
        if prominent {
            Button(role: role, action: action) { label }.buttonStyle(.borderedProminent).controlSize(.large)
        } else {
            Button(role: role, action: action) { label }.buttonStyle(.bordered).controlSize(.large)
        }
    }

    private var label: some View {
        Text(title).frame(maxWidth: .infinity, minHeight: 44)
    }
}

/// The core's "nothing here" line.
struct EmptyNote: View {
    let text: String?
    var body: some View {
        if let text {
            Text(text).foregroundStyle(.secondary).frame(maxWidth: .infinity, alignment: .center).padding()
        }
    }
}

/// A secondary line when there is text.
struct DetailLine: View {
    let text: String?
    var body: some View {
        if let text, !text.isEmpty {
            Text(text).font(.subheadline).foregroundStyle(.secondary)
        }
    }
}

/// Where a subject stands for one model, and the actions the core offers for it.
struct StatusCard: View {
    let status: VM.ModelStatus
    @EnvironmentObject private var shell: Shell

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(status.modelTitle).font(.headline)
            HStack {
                Text(status.statusLabel)
                if let total = status.total {
                    Spacer()
                    Text(String(format: L("points.total"), vn(total))).monospacedDigit()
                }
            }
            DetailLine(text: status.comment)
            DetailLine(text: status.noCriteria)
            ForEach(status.actions, id: \.self) { action in
                ActionButton(title: L("action.\(action)"), prominent: action != "View") { perform(action) }
            }
        }
        .padding(.vertical, 4)
    }

    private func perform(_ action: String) {
        switch action {
        case "Register": shell.send(.register(status.subject, model: status.model))
        case "Start": shell.send(.startAssessment(status.subject, model: status.model))
        case "Continue", "View":
            if let id = status.assessmentId { shell.send(.open(.assessment(id))) }
        default: break
        }
    }
}

/// A clan, the hamlet as a community, or a unit: name, lines, status card.
struct SubjectPageBody: View {
    let v: VM.SubjectPage
    @EnvironmentObject private var shell: Shell

    var body: some View {
        List {
            Section {
                Text(v.name).font(.title2.bold())
                ForEach(Array(v.lines.enumerated()), id: \.offset) { Text($0.element) }
            }
            Section { StatusCard(status: v.status) }
        }
        .refreshable { shell.send(.refresh) }
    }
}

/// A reviewer's comment.
struct CommentRow: View {
    let comment: VM.Comment
    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(comment.body)
            Text([comment.author, comment.at].compactMap { $0 }.joined(separator: " · "))
                .font(.caption).foregroundStyle(.secondary)
        }
    }
}

/// The thumbnail of a stored photo (`AppShell.thumbnail`: decrypted by the core), with the
/// core's flags; a placeholder until it arrives or when it cannot be read.
struct PhotoThumb: View {
    let photo: VM.Photo
    @EnvironmentObject private var shell: Shell
    @State private var image: UIImage?

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Group {
                if let image {
                    Image(uiImage: image).resizable().scaledToFill()
                } else {
                    Image(systemName: "photo").font(.largeTitle).foregroundStyle(.secondary)
                }
            }
            .frame(width: 96, height: 96)
            .background(Color(.secondarySystemBackground))
            .clipShape(RoundedRectangle(cornerRadius: 8))
            ForEach(photo.flags, id: \.self) { flag in
                Label(flag, systemImage: "exclamationmark.triangle").font(.caption).foregroundStyle(.orange)
            }
        }
        .frame(width: 96)
        .task(id: photo.sha256) {
            // Read and decrypted by the core on a worker; decoded off the main thread as well.
            guard let data = await shell.thumbnail(sha256: photo.sha256),
                  let jpeg = UIImage(data: data) else { return }
            image = await jpeg.byPreparingForDisplay() ?? jpeg
        }
    }
}

/// A text sent to the core when the cadre is done with it (return key or leaving the field),
/// not at each keystroke.
struct CommitField: View {
    let title: String
    let initial: String
    var axis: Axis = .horizontal
    let commit: (String) -> Void
    @State private var text = ""
    @FocusState private var focused: Bool

    var body: some View {
        TextField(title, text: $text, axis: axis)
            .focused($focused)
            .onAppear { text = initial }
            .onChange(of: initial) { if !focused { text = $0 } }
            .onChange(of: focused) { if !$0, text != initial { commit(text) } }
            .onSubmit { if text != initial { commit(text) } }
    }
}
