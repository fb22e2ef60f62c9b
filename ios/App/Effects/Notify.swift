// Effect Notify { title, body }: a local notification (UNUserNotificationCenter), shown at once;
// the app may be in the background (returned assessments, enroll again). Permission is asked
// the first time; refused, nothing is shown (the sync bar says the same in the app).
import UserNotifications

enum Notify {
    static func perform(title: String, body: String) {
        let center = UNUserNotificationCenter.current()
        center.requestAuthorization(options: [.alert, .sound]) { granted, _ in
            guard granted else { return }
            let content = UNMutableNotificationContent()
            content.title = title
            content.body = body
            content.sound = .default
            center.add(UNNotificationRequest(identifier: UUID().uuidString, content: content, trigger: nil))
        }
    }
}
