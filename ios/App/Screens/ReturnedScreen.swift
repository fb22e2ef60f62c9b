// Screen Returned (ReturnedView): assessments a reviewer returned, with the comment thread;
// opening one shows it with "Sửa phiếu".
import SwiftUI

struct ReturnedScreen: View {
    let v: VM.Returned
    @EnvironmentObject private var shell: Shell

    var body: some View {
        List {
            EmptyNote(text: v.emptyLabel)
            ForEach(v.items) { item in
                Section {
                    RowButton(action: { shell.send(.open(.assessment(item.id))) }) {
                        Text(item.subjectName).font(.headline)
                        Text(item.modelTitle + " · " + String(item.year)).font(.subheadline)
                    }
                    ForEach(Array(item.comments.enumerated()), id: \.offset) { CommentRow(comment: $0.element) }
                }
            }
        }
        .refreshable { shell.send(.refresh) }
    }
}
