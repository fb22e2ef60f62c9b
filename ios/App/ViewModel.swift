// The view model JSON of `AppShell.view()` as small Decodable structs: field for field the Rust
// records of app/src/view/ (mod.rs, roster.rs, assessment.rs, sync.rs), snake_case keys read
// with `.convertFromSnakeCase`. The app's own enums are externally tagged ("YesNo",
// {"Points":{"step":1}}); the domain's codes ("gia_dinh", "registered", "household") stay
// Strings: the shell never decides anything from them, it only sends them back in events.
// Everything is namespaced in `VM` because the generated HoctapCore module has records of the
// same names (AssessmentView, PhotoView …) for the façade's other API.
import Foundation

enum VM {
    /// Decodes the view model JSON.
    static func decode(_ json: String) throws -> ViewModel {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(ViewModel.self, from: Data(json.utf8))
    }

    struct ViewModel: Decodable {
        let screen: Screen
        let title: String
        let canGoBack: Bool
        let year: Int
        let sync: SyncBar
        let dialog: Dialog?
        let message: Message?
    }

    struct SyncBar: Decodable {
        let enrolled: Bool
        let queued: Int
        let problems: Int
        let returned: Int
        let lastSync: String?
        let running: Bool
        let progress: String?
        let needsReenroll: Bool
        let online: Bool
        let label: String
    }

    struct Dialog: Decodable {
        /// ConfirmFinalize, ConfirmDiscardDraft, ConfirmRemoveMember, ConfirmRemoveHousehold.
        let kind: String
        let title: String
        let body: String
        let confirmLabel: String
        let cancelLabel: String
    }

    struct Message: Decodable {
        /// Info, Success, Warning, Error.
        let level: String
        let text: String
        let errorKind: String?
    }

    /// `ScreenView`: one case per variant, `{"Home":{…}}`.
    enum Screen: Decodable {
        case enrollment(Enrollment)
        case home(Home)
        case households(HouseholdList)
        case household(Household)
        case householdForm(HouseholdForm)
        case memberForm(MemberForm)
        case clans(ClanList)
        case clan(SubjectPage)
        case hamlet(SubjectPage)
        case units(UnitList)
        case unit(SubjectPage)
        case assessment(Assessment)
        case outbox(Outbox)
        case returned(Returned)
        case summary(Summary)
        case settings(Settings)
        case unavailable(Unavailable)

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: AnyKey.self)
            guard let k = c.allKeys.first else {
                throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "empty screen"))
            }
            switch k.stringValue {
            case "Enrollment": self = .enrollment(try c.decode(Enrollment.self, forKey: k))
            case "Home": self = .home(try c.decode(Home.self, forKey: k))
            case "Households": self = .households(try c.decode(HouseholdList.self, forKey: k))
            case "Household": self = .household(try c.decode(Household.self, forKey: k))
            case "HouseholdForm": self = .householdForm(try c.decode(HouseholdForm.self, forKey: k))
            case "MemberForm": self = .memberForm(try c.decode(MemberForm.self, forKey: k))
            case "Clans": self = .clans(try c.decode(ClanList.self, forKey: k))
            case "Clan": self = .clan(try c.decode(SubjectPage.self, forKey: k))
            case "Hamlet": self = .hamlet(try c.decode(SubjectPage.self, forKey: k))
            case "Units": self = .units(try c.decode(UnitList.self, forKey: k))
            case "Unit": self = .unit(try c.decode(SubjectPage.self, forKey: k))
            case "Assessment": self = .assessment(try c.decode(Assessment.self, forKey: k))
            case "Outbox": self = .outbox(try c.decode(Outbox.self, forKey: k))
            case "Returned": self = .returned(try c.decode(Returned.self, forKey: k))
            case "Summary": self = .summary(try c.decode(Summary.self, forKey: k))
            case "Settings": self = .settings(try c.decode(Settings.self, forKey: k))
            case "Unavailable": self = .unavailable(try c.decode(Unavailable.self, forKey: k))
            default:
                throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "unknown screen \(k.stringValue)"))
            }
        }
    }

    /// A key read as is (the variant names of externally tagged enums).
    struct AnyKey: CodingKey {
        let stringValue: String
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { return nil }
    }

    struct Unavailable: Decodable { let message: String }

    // MARK: Roster (roster.rs)

    struct SubjectRef: Codable, Equatable {
        let kind: String
        let id: String
    }

    struct ModelStatus: Decodable {
        let subject: SubjectRef
        let model: String
        let modelTitle: String
        let status: String
        let statusLabel: String
        let assessmentId: String?
        let total: Double?
        let comment: String?
        /// Register, Start, Continue, View — in order.
        let actions: [String]
        let noCriteria: String?
    }

    struct HamletRow: Decodable, Identifiable {
        let id: String
        let name: String
        let kindLabel: String
        let households: Int
    }

    struct TargetProgress: Decodable {
        let model: String
        let title: String
        let passed: Int
        let all: Int
        let percentage: Double?
        let targetPercent: Double?
        let meetsTarget: Bool?
        let label: String
    }

    struct Home: Decodable {
        let hamlets: [HamletRow]
        let progress: [TargetProgress]
        let emptyLabel: String?
    }

    struct HouseholdRow: Decodable, Identifiable {
        let id: String
        let head: String
        let address: String?
        let rosterCode: String?
        let hamlet: String
        let status: String
        let statusLabel: String
        let total: Double?
        let comment: String?
    }

    struct FilterOption: Decodable {
        let status: String?
        let label: String
        let selected: Bool
    }

    struct HouseholdList: Decodable {
        let hamletId: String?
        let hamletName: String?
        let search: String
        let filter: String?
        let filters: [FilterOption]
        let rows: [HouseholdRow]
        let hasMore: Bool
        let total: Int
        let emptyLabel: String?
    }

    struct Member: Decodable, Identifiable {
        let id: String
        let name: String
        let birthYear: Int?
        let age: Int?
        let sexLabel: String?
        let relation: String?
        let schoolingLabel: String?
        let literate: Bool?
        let unableToLearn: Bool
        let cdht: ModelStatus?
    }

    struct Household: Decodable {
        let id: String
        let head: String
        let address: String?
        let phone: String?
        let rosterCode: String?
        let hamlet: String
        let members: [Member]
        let giaDinh: ModelStatus
    }

    /// `HouseholdInput`: read from the view, sent back whole in `HouseholdFormChanged`.
    struct HouseholdInput: Codable, Equatable {
        var head: String
        var address: String?
        var phone: String?
        var rosterCode: String?
    }

    struct HouseholdForm: Decodable {
        let hamletId: String
        let householdId: String?
        let input: HouseholdInput
        let submitLabel: String
    }

    /// `MemberInput`: sex and schooling are the domain's codes ("female", "in_school").
    struct MemberInput: Codable, Equatable {
        var name: String
        var birthYear: Int?
        var sex: String?
        var relation: String?
        var schooling: String?
        var literate: Bool?
        var cdht: Bool?
        var unableToLearn: Bool
    }

    struct Choice: Decodable, Hashable {
        let value: String
        let label: String
    }

    struct MemberForm: Decodable {
        let householdId: String
        let memberId: String?
        let input: MemberInput
        let sexChoices: [Choice]
        let schoolingChoices: [Choice]
        let submitLabel: String
        let canRemove: Bool
    }

    struct ClanRow: Decodable, Identifiable {
        let id: String
        let name: String
        let households: Int
        let hamlets: String
    }

    struct ClanList: Decodable {
        let clans: [ClanRow]
        let emptyLabel: String?
    }

    struct UnitRow: Decodable, Identifiable {
        let id: String
        let name: String
        let kindLabel: String
        let hamlet: String?
    }

    struct UnitList: Decodable {
        let units: [UnitRow]
        let emptyLabel: String?
    }

    struct SubjectPage: Decodable {
        let name: String
        let lines: [String]
        let status: ModelStatus
    }

    // MARK: Assessment (assessment.rs)

    /// `AnswerKind`: "YesNo", {"Points":{"step":0.5}}, {"Derived":{"rule":"…"}}.
    enum AnswerKind: Decodable {
        case points(step: Double)
        case yesNo
        case derived(rule: String)

        private struct Step: Decodable { let step: Double }
        private struct Rule: Decodable { let rule: String }

        init(from decoder: Decoder) throws {
            if let unit = try? decoder.singleValueContainer().decode(String.self) {
                guard unit == "YesNo" else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "answer kind \(unit)"))
                }
                self = .yesNo
                return
            }
            let c = try decoder.container(keyedBy: AnyKey.self)
            guard let k = c.allKeys.first else {
                throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "empty answer kind"))
            }
            switch k.stringValue {
            case "Points": self = .points(step: try c.decode(Step.self, forKey: k).step)
            case "Derived": self = .derived(rule: try c.decode(Rule.self, forKey: k).rule)
            case "YesNo": self = .yesNo
            default:
                throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "answer kind \(k.stringValue)"))
            }
        }
    }

    struct Photo: Decodable, Identifiable {
        let sha256: String
        let path: String
        let thumbPath: String
        let width: Int
        let height: Int
        let takenAt: String?
        let hasGps: Bool
        let flags: [String]
        var id: String { sha256 }
    }

    struct PendingPhoto: Decodable, Identifiable {
        let captureId: String
        let label: String
        let processing: Bool
        var id: String { captureId }
    }

    struct Indicator: Decodable, Identifiable {
        let id: String
        let text: String
        let guidance: String?
        let max: Double?
        let answerKind: AnswerKind
        let answeredPoints: Double?
        let answeredYes: Bool?
        let note: String?
        let overrideReason: String?
        let points: Double?
        /// Answered, Derived, Overridden, Missing.
        let source: String
        let explanation: String?
        let evidenceRequired: Bool
        let minPhotos: Int
        let photos: [Photo]
        let pendingPhotos: [PendingPhoto]
        let missing: Bool
        let problems: [String]
    }

    struct Criterion: Decodable, Identifiable {
        let id: String
        let title: String
        let total: Double
        let max: Double?
        let minPoints: Double?
        let met: Bool
        let indicators: [Indicator]
    }

    struct Result: Decodable {
        let label: String
        let total: Double
        let max: Double
        let totalLabel: String
        let levelTitle: String?
        let reasons: [String]
        let canFinalize: Bool
        let practice: Bool
    }

    struct Comment: Decodable {
        let author: String?
        let body: String
        let at: String
    }

    struct Assessment: Decodable {
        let id: String
        let subjectKind: String
        let subjectId: String
        let subjectName: String
        let model: String
        let modelTitle: String
        let year: Int
        let criteriaTitle: String
        let criteriaVersion: Int
        let criteriaNotice: String?
        let revision: Int
        let finalized: Bool
        let editable: Bool
        let outboxState: String?
        let outboxLabel: String?
        let outboxDetail: String?
        let criteria: [Criterion]
        let result: Result
        let comments: [Comment]
        let canCorrect: Bool
        let canDiscard: Bool
    }

    // MARK: Server screens (sync.rs)

    struct Enrollment: Decodable {
        let server: String
        let code: String
        let busy: Bool
        let decodingQr: Bool
        let error: String?
        let reenroll: Bool
        let help: String
    }

    struct OutboxItem: Decodable, Identifiable {
        let id: String
        let subjectKind: String
        let subjectName: String
        let model: String
        let modelTitle: String
        let year: Int
        let revision: Int
        let state: String
        let stateLabel: String
        let reason: String?
        let photos: Int
        let finalizedAt: String
        let sentAt: String?
        let superseded: Bool
        /// Retry, KeepAsDraft, Open.
        let actions: [String]
    }

    struct Outbox: Decodable {
        let queued: Int
        let sent: Int
        let returned: Int
        let problems: Int
        let items: [OutboxItem]
        let canSendNow: Bool
        let emptyLabel: String?
    }

    struct ReturnedItem: Decodable, Identifiable {
        let id: String
        let subjectName: String
        let modelTitle: String
        let year: Int
        let revision: Int
        let comments: [Comment]
    }

    struct Returned: Decodable {
        let items: [ReturnedItem]
        let emptyLabel: String?
    }

    struct SummaryRow: Decodable {
        let model: String
        let title: String
        let registered: Int
        let assessed: Int
        let passed: Int
        let all: Int
        let percentage: Double?
        let targetPercent: Double?
        let meetsTarget: Bool?
        let label: String
    }

    struct Summary: Decodable {
        let year: Int
        let rows: [SummaryRow]
    }

    struct Settings: Decodable {
        let deviceName: String
        let photosWifiOnly: Bool
        let server: String?
        let deviceId: String?
        let enrolledAt: String?
        let storageBytes: Int64
        let storageLabel: String
        let appVersion: String
        let year: Int
    }
}
