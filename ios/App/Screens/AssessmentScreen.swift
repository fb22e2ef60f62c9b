// Screen Assessment (AssessmentView): the criteria and indicators with every answer kind
// (points with +/−, yes/no, derived with its explanation and an override with a reason), notes,
// evidence photos (attached with their flags, and those on their way), the live result the
// core computed, the reviewers' comments, and finalize / discard / correct. Every answer is an
// event; the core autosaves, scores and refuses — nothing is computed here.
import SwiftUI

struct AssessmentScreen: View {
    let v: VM.Assessment
    @EnvironmentObject private var shell: Shell
    @State private var overriding: VM.Indicator?

    var body: some View {
        List {
            Section {
                Text(v.subjectName).font(.title2.bold())
                Text(v.modelTitle).font(.headline)
                Text(String(format: L("assessment.set"), v.criteriaTitle, v.criteriaVersion))
                    .font(.subheadline).foregroundStyle(.secondary)
                if v.revision > 1 { Text(String(format: L("assessment.revision"), v.revision)).font(.subheadline) }
                if let notice = v.criteriaNotice {
                    Label(notice, systemImage: "exclamationmark.triangle").foregroundStyle(.orange)
                }
                if let label = v.outboxLabel {
                    Label(label, systemImage: "tray.and.arrow.up")
                    DetailLine(text: v.outboxDetail)
                }
            }
            ResultSection(result: v.result, compact: true)
            ForEach(v.criteria) { c in
                Section {
                    ForEach(c.indicators) { ind in
                        IndicatorRow(ind: ind, editable: v.editable, onOverride: { overriding = ind })
                    }
                } header: {
                    HStack(alignment: .firstTextBaseline) {
                        Text(c.title)
                        Spacer()
                        Text(c.max.map { "\(vn(c.total))/\(vn($0))" } ?? vn(c.total)).monospacedDigit()
                        if !c.met { Image(systemName: "xmark.circle").foregroundStyle(.orange) }
                    }
                    .font(.headline)
                    .textCase(nil)
                }
            }
            if !v.comments.isEmpty {
                Section(L("assessment.comments")) {
                    ForEach(Array(v.comments.enumerated()), id: \.offset) { CommentRow(comment: $0.element) }
                }
            }
            ResultSection(result: v.result, compact: false)
            Section {
                if v.editable {
                    ActionButton(title: L("assessment.finalize"), prominent: true) { shell.send(.finalize) }
                }
                if v.canCorrect {
                    ActionButton(title: L("assessment.correct"), prominent: true) { shell.send(.correct) }
                }
                if v.canDiscard {
                    ActionButton(title: L("assessment.discard"), role: .destructive) { shell.send(.discardDraft) }
                }
            }
        }
        .sheet(item: $overriding) { ind in
            OverrideSheet(ind: ind) { points, reason in
                shell.send(.setOverride(ind.id, points, reason: reason))
                overriding = nil
            }
        }
    }
}

/// The result as the core computed it.
private struct ResultSection: View {
    let result: VM.Result
    /// The top of the screen: the label and total only; the bottom has everything.
    let compact: Bool

    var body: some View {
        Section(L("assessment.result")) {
            HStack {
                Text(result.label).font(.headline)
                Spacer()
                Text(result.totalLabel).font(.headline).monospacedDigit()
            }
            if !compact {
                details
            }
        }
    }

    @ViewBuilder private var details: some View {
        Group {
            if let level = result.levelTitle { Text(level) }
            if result.practice {
                Label(L("assessment.practice"), systemImage: "info.circle").foregroundStyle(.secondary)
            }
            ForEach(Array(result.reasons.enumerated()), id: \.offset) {
                Label($0.element, systemImage: "exclamationmark.circle").foregroundStyle(.orange)
            }
        }
    }
}

/// One indicator: text, answer control, value counted, note, photos, problems.
private struct IndicatorRow: View {
    let ind: VM.Indicator
    let editable: Bool
    let onOverride: () -> Void
    @EnvironmentObject private var shell: Shell

    var body: some View {
        VStack(alignment: .leading, spacing: 10) {
            Text("\(ind.id). \(ind.text)").font(.headline)
            DetailLine(text: ind.guidance)
            if ind.missing {
                Label(L("assessment.missing_text"), systemImage: "questionmark.circle").foregroundStyle(.orange)
            }
            answer
            if let points = ind.points {
                Text(String(format: L("assessment.counted"), vn(points), ind.max.map(vn) ?? "—"))
                    .font(.subheadline).monospacedDigit()
            }
            DetailLine(text: ind.explanation)
            if let reason = ind.overrideReason {
                DetailLine(text: String(format: L("assessment.override_reason"), reason))
            }
            if editable {
                CommitField(title: L("assessment.note"), initial: ind.note ?? "", axis: .vertical) { text in
                    shell.send(.setNote(ind.id, text.isEmpty ? nil : text))
                }
            } else {
                DetailLine(text: ind.note)
            }
            if ind.evidenceRequired || !ind.photos.isEmpty || !ind.pendingPhotos.isEmpty {
                EvidenceRow(ind: ind, editable: editable)
            }
            ForEach(ind.problems, id: \.self) {
                Label($0, systemImage: "exclamationmark.circle").font(.subheadline).foregroundStyle(.orange)
            }
        }
        .padding(.vertical, 6)
    }

    @ViewBuilder private var answer: some View {
        switch ind.answerKind {
        case .points:
            if editable { PointsControl(ind: ind) }
        case .yesNo:
            if editable {
                HStack {
                    choice(L("answer.yes"), selected: ind.answeredYes == true) { shell.send(.setYesNo(ind.id, true)) }
                    choice(L("answer.no"), selected: ind.answeredYes == false) { shell.send(.setYesNo(ind.id, false)) }
                }
            } else if let yes = ind.answeredYes {
                Text(L(yes ? "answer.yes" : "answer.no"))
            }
        case .derived(let rule):
            DetailLine(text: rule)
            if editable {
                HStack {
                    ActionButton(title: L("assessment.override"), action: onOverride)
                    if ind.source == "Overridden" {
                        ActionButton(title: L("assessment.override_clear")) { shell.send(.clearAnswer(ind.id)) }
                    }
                }
            }
        }
    }

    @ViewBuilder private func choice(_ title: String, selected: Bool, action: @escaping () -> Void) -> some View {
        if selected {
            Button(action: action) { Text(title).frame(maxWidth: .infinity, minHeight: 44) }
                .buttonStyle(.borderedProminent)
        } else {
            Button(action: action) { Text(title).frame(maxWidth: .infinity, minHeight: 44) }
                .buttonStyle(.bordered)
        }
    }
}

/// − value + (steps from the stored value, computed by the core), a typed value, clear.
private struct PointsControl: View {
    let ind: VM.Indicator
    @EnvironmentObject private var shell: Shell

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            HStack(spacing: 12) {
                Button { shell.send(.stepAnswer(ind.id, -1)) } label: {
                    Image(systemName: "minus").frame(minWidth: 44, minHeight: 44)
                }
                .buttonStyle(.bordered)
                .accessibilityLabel(L("assessment.minus"))
                Text(ind.answeredPoints.map(vn) ?? "—")
                    .font(.title2.monospacedDigit()).frame(minWidth: 56)
                Button { shell.send(.stepAnswer(ind.id, 1)) } label: {
                    Image(systemName: "plus").frame(minWidth: 44, minHeight: 44)
                }
                .buttonStyle(.bordered)
                .accessibilityLabel(L("assessment.plus"))
                if let max = ind.max { Text("/ \(vn(max))").foregroundStyle(.secondary) }
            }
            HStack {
                CommitField(title: L("assessment.type_points"), initial: ind.answeredPoints.map(vn) ?? "") { text in
                    if let points = parseNumber(text) { shell.send(.setPoints(ind.id, points)) }
                }
                .keyboardType(.decimalPad)
                .frame(minHeight: 44)
                if ind.answeredPoints != nil {
                    Button(L("assessment.clear")) { shell.send(.clearAnswer(ind.id)) }
                        .buttonStyle(.bordered)
                }
            }
        }
    }
}

/// Attached photos (thumbnail, flags, remove), photos on their way, camera and gallery.
private struct EvidenceRow: View {
    let ind: VM.Indicator
    let editable: Bool
    @EnvironmentObject private var shell: Shell

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            if ind.minPhotos > 0 {
                Text(String(format: L("assessment.photos_needed"), ind.photos.count, ind.minPhotos))
                    .font(.subheadline)
            }
            ScrollView(.horizontal, showsIndicators: false) {
                HStack(alignment: .top) {
                    ForEach(ind.photos) { photo in
                        VStack(spacing: 4) {
                            PhotoThumb(photo: photo)
                            if editable {
                                Button(role: .destructive) {
                                    shell.send(.removePhoto(ind.id, sha256: photo.sha256))
                                } label: {
                                    Label(L("assessment.remove_photo"), systemImage: "trash").labelStyle(.iconOnly)
                                        .frame(minWidth: 44, minHeight: 44)
                                }
                                .buttonStyle(.borderless)
                                .accessibilityLabel(L("assessment.remove_photo"))
                            }
                        }
                    }
                    ForEach(ind.pendingPhotos) { p in
                        VStack {
                            ProgressView()
                            Text(p.label).font(.caption).multilineTextAlignment(.center)
                        }
                        .frame(width: 96, height: 96)
                    }
                }
            }
            if editable {
                HStack {
                    Button { shell.send(.capturePhoto(ind.id)) } label: {
                        Label(L("assessment.camera"), systemImage: "camera").frame(maxWidth: .infinity, minHeight: 44)
                    }
                    .buttonStyle(.borderedProminent)
                    Button { shell.send(.pickPhoto(ind.id)) } label: {
                        Label(L("assessment.gallery"), systemImage: "photo.on.rectangle").frame(maxWidth: .infinity, minHeight: 44)
                    }
                    .buttonStyle(.bordered)
                }
            }
        }
    }
}

/// Replace a derived value: points and the reason in words (the core requires the reason).
private struct OverrideSheet: View {
    let ind: VM.Indicator
    let save: (Double, String) -> Void
    @Environment(\.dismiss) private var dismiss
    @State private var points = ""
    @State private var reason = ""

    var body: some View {
        NavigationStack {
            Form {
                Section { Text(ind.text) }
                Section {
                    TextField(L("assessment.type_points"), text: $points).keyboardType(.decimalPad)
                    TextField(L("assessment.reason"), text: $reason, axis: .vertical)
                }
            }
            .navigationTitle(L("assessment.override"))
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button(L("common.cancel")) { dismiss() } }
                ToolbarItem(placement: .confirmationAction) {
                    Button(L("common.save")) {
                        if let value = parseNumber(points) { save(value, reason) }
                    }
                    .disabled(parseNumber(points) == nil)
                }
            }
        }
        .onAppear { points = ind.points.map(vn) ?? "" }
    }
}
