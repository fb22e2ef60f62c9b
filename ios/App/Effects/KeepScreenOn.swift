// Effect KeepScreenOn { on }: keep the screen awake while a photo is processed.
import UIKit

enum KeepScreenOn {
    @MainActor
    static func perform(on: Bool) {
        UIApplication.shared.isIdleTimerDisabled = on
    }
}
