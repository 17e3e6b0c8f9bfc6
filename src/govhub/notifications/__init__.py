"""Notifications (消息通知): the in-site inbox, text messages and e-mail about cases.

Every applicant-relevant `cases.CaseTransitioned` event (published after the case's
transaction commits) queues the `deliver_case_event` task. The task renders the editable
`NotificationTemplate` of the action for each channel and sends it to the applicant's
account (inbox, e-mail), the mobile number on the case (SMS) and a non-staff person who
entered the case; the `Delivery` table, unique per (event, channel, recipient), makes a
second run send nothing twice. Pages at /account/inbox/, API at /api/v1/notifications/.
"""
