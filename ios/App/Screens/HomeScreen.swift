// Screen Home (HomeView): the hamlets (their households, the hamlet as a community), progress
// of each model against the province's target, and the way to every other screen.
import SwiftUI

struct HomeScreen: View {
    let v: VM.Home
    @EnvironmentObject private var shell: Shell

    var body: some View {
        List {
            Section(L("home.hamlets")) {
                EmptyNote(text: v.emptyLabel)
                ForEach(v.hamlets) { h in
                    RowButton(action: { shell.send(.open(.households(hamletId: h.id))) }) {
                        Text(h.name).font(.headline)
                        Text("\(h.kindLabel) · " + String(format: L("home.households"), h.households))
                            .font(.subheadline).foregroundStyle(.secondary)
                    }
                    RowButton(action: { shell.send(.open(.hamlet(h.id))) }) {
                        Text(L("home.community")).foregroundStyle(.secondary)
                    }
                }
            }
            if !v.progress.isEmpty {
                Section(L("home.progress")) {
                    ForEach(v.progress, id: \.model) { p in
                        VStack(alignment: .leading, spacing: 4) {
                            Text(p.title).font(.headline)
                            Text(p.label)
                            if let pct = p.percentage {
                                ProgressView(value: min(max(pct / 100, 0), 1))
                                    .tint(p.meetsTarget == false ? .orange : .green)
                            }
                        }
                        .padding(.vertical, 4)
                    }
                }
            }
            Section {
                RowButton(action: { shell.send(.open(.households(hamletId: nil))) }) { Text(L("home.all_households")) }
                RowButton(action: { shell.send(.open(.clans)) }) { Text(L("home.clans")) }
                RowButton(action: { shell.send(.open(.units)) }) { Text(L("home.units")) }
                RowButton(action: { shell.send(.open(.outbox)) }) { Text(L("home.outbox")) }
                RowButton(action: { shell.send(.open(.returned)) }) { Text(L("home.returned")) }
                RowButton(action: { shell.send(.open(.summary)) }) { Text(L("home.summary")) }
                RowButton(action: { shell.send(.open(.settings)) }) { Text(L("home.settings")) }
            }
        }
        .refreshable { shell.send(.refresh) }
    }
}
