"""Reports: the communication report and who may see which message.

- ``communication_report``: The communication report (RPT-*): every sent message with its figures, per-recipient rows, CSV export and "resend to failed".
"""
