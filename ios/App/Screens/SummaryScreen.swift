// Screen Summary (SummaryView): the year's figures per model, as the core counted them.
import SwiftUI

struct SummaryScreen: View {
    let v: VM.Summary
    @EnvironmentObject private var shell: Shell

    var body: some View {
        List {
            Section(String(format: L("summary.year"), v.year)) {
                ForEach(v.rows, id: \.model) { row in
                    VStack(alignment: .leading, spacing: 4) {
                        Text(row.title).font(.headline)
                        Text(String(format: L("summary.counts"), row.registered, row.assessed, row.passed, row.all))
                            .font(.subheadline).monospacedDigit()
                        Text(row.label)
                            .foregroundStyle(row.meetsTarget == false ? Color.orange : Color.primary)
                    }
                    .padding(.vertical, 4)
                }
            }
        }
        .refreshable { shell.send(.refresh) }
    }
}
