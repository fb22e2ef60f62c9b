// Screen Households (HouseholdListView): search (diacritics ignored by the core), status filter
// chips, the rows loaded so far; the next page when the last row shows.
import SwiftUI

struct HouseholdsScreen: View {
    let v: VM.HouseholdList
    @EnvironmentObject private var shell: Shell
    @State private var search: String

    init(v: VM.HouseholdList) {
        self.v = v
        _search = State(initialValue: v.search)
    }

    var body: some View {
        List {
            Section {
                ScrollView(.horizontal, showsIndicators: false) {
                    HStack {
                        ForEach(Array(v.filters.enumerated()), id: \.offset) { _, f in
                            chip(f)
                        }
                    }
                }
                Text(String(format: L("households.total"), v.total)).font(.subheadline).foregroundStyle(.secondary)
            }
            Section {
                EmptyNote(text: v.emptyLabel)
                ForEach(v.rows) { row in
                    RowButton(action: { shell.send(.open(.household(row.id))) }) {
                        Text(row.head).font(.headline)
                        DetailLine(text: [row.rosterCode, row.address, row.hamlet].compactMap { $0 }.joined(separator: " · "))
                        HStack {
                            Text(row.statusLabel)
                            if let total = row.total { Text("· " + String(format: L("points.total"), vn(total))) }
                        }
                        .font(.subheadline)
                        DetailLine(text: row.comment)
                    }
                    .onAppear { if row.id == v.rows.last?.id, v.hasMore { shell.send(.loadMore) } }
                }
                if v.hasMore {
                    ActionButton(title: L("households.more")) { shell.send(.loadMore) }
                }
            }
        }
        .searchable(text: $search, prompt: L("households.search"))
        .onChange(of: search) { shell.send(.searchChanged($0)) }
        .refreshable { shell.send(.refresh) }
        .toolbar {
            ToolbarItem(placement: .primaryAction) {
                if let hamlet = v.hamletId {
                    Button { shell.send(.open(.newHousehold(hamletId: hamlet))) } label: {
                        Label(L("households.add"), systemImage: "plus")
                    }
                }
            }
        }
    }

    private func chip(_ f: VM.FilterOption) -> some View {
        Button(f.label) { shell.send(.filterChanged(f.status)) }
            .buttonStyle(.bordered)
            .tint(f.selected ? .accentColor : .secondary)
            .controlSize(.large)
    }
}
