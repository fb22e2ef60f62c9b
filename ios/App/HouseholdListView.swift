// The household list of the cadre's hamlet: search (diacritics optional), Vietnamese order and
// the status of each household for the year, all from the core. Loading runs off the main thread.
import HoctapCore
import SwiftUI

struct HouseholdListView: View {
    @EnvironmentObject var model: AppModel
    @State private var hamlets: [HamletView] = []
    @State private var hamletId: String?
    @State private var search = ""
    @State private var rows: [HouseholdRow] = []
    @State private var error: String?

    var body: some View {
        List {
            if let error {
                Text(error).foregroundStyle(.red)
            }
            if hamlets.count > 1 {
                Picker("Thôn", selection: $hamletId) {
                    ForEach(hamlets, id: \.id) { h in
                        Text("\(h.name) (\(h.households) hộ)").tag(Optional(h.id))
                    }
                }
            }
            ForEach(rows, id: \.id) { row in
                NavigationLink(value: row.id) {
                    VStack(alignment: .leading, spacing: 4) {
                        Text(row.head).font(.title3)
                        if let address = row.address { Text(address).foregroundStyle(.secondary) }
                        Text(row.statusLabel).font(.callout).foregroundStyle(color(row.status))
                        if let comment = row.comment { Text(comment).font(.callout).italic() }
                    }
                    .padding(.vertical, 6)
                }
            }
        }
        .navigationTitle("Hộ gia đình")
        .searchable(text: $search, prompt: "Tìm tên, địa chỉ, số điện thoại")
        .navigationDestination(for: String.self) { id in
            Text(id) // The household and assessment screens render HouseholdDetail / AssessmentView.
        }
        .task { await loadHamlets() }
        .task(id: "\(hamletId ?? "")|\(search)|\(model.year)") { await loadRows() }
        .refreshable { await loadRows() }
    }

    private func loadHamlets() async {
        do {
            hamlets = try await model.call { try $0.hamlets() }
            if hamletId == nil { hamletId = hamlets.first?.id }
        } catch {
            self.error = AppModel.message(error)
        }
    }

    private func loadRows() async {
        let hamlet = hamletId
        let text = search.isEmpty ? nil : search
        let year = model.year
        do {
            rows = try await model.call { try $0.households(hamletId: hamlet, search: text, year: year) }
            error = nil
        } catch {
            self.error = AppModel.message(error)
        }
    }

    private func color(_ status: HouseholdStatus) -> Color {
        switch status {
        case .needsCorrection: return .red
        case .draft, .finalized: return .orange
        case .sent, .recognised: return .green
        case .notRegistered, .registered: return .secondary
        }
    }
}
