// Screen Outbox (OutboxView): finalized assessments and where each stands; "Gửi ngay" when the
// core offers it; Retry / Keep as draft / Open for each item as the core lists them.
import SwiftUI

struct OutboxScreen: View {
    let v: VM.Outbox
    @EnvironmentObject private var shell: Shell

    var body: some View {
        List {
            Section {
                Text(String(format: L("outbox.counts"), v.queued, v.sent, v.returned, v.problems))
                if v.canSendNow {
                    ActionButton(title: L("outbox.send_now"), prominent: true) { shell.send(.sendNow) }
                }
            }
            Section {
                EmptyNote(text: v.emptyLabel)
                ForEach(v.items) { item in
                    VStack(alignment: .leading, spacing: 6) {
                        Text(item.subjectName).font(.headline)
                        Text(item.modelTitle + " · " + String(item.year)
                             + (item.revision > 1 ? " · " + String(format: L("assessment.revision"), item.revision) : ""))
                            .font(.subheadline)
                        Text(item.stateLabel).font(.subheadline.bold())
                        DetailLine(text: item.reason)
                        if item.photos > 0 { DetailLine(text: String(format: L("outbox.photos"), item.photos)) }
                        HStack {
                            ForEach(item.actions, id: \.self) { action in
                                ActionButton(title: L("outbox.\(action)"), prominent: action == "Retry") {
                                    perform(action, item.id)
                                }
                            }
                        }
                    }
                    .padding(.vertical, 4)
                }
            }
        }
        .refreshable { shell.send(.refresh) }
    }

    private func perform(_ action: String, _ id: String) {
        switch action {
        case "Retry": shell.send(.retryItem(id))
        case "KeepAsDraft": shell.send(.keepAsDraft(id))
        case "Open": shell.send(.open(.assessment(id)))
        default: break
        }
    }
}
