// Screen Unit (SubjectPageView): a unit and its Đơn vị học tập card.
import SwiftUI

struct UnitScreen: View {
    let v: VM.SubjectPage
    var body: some View { SubjectPageBody(v: v) }
}
