"""The pages every NHS.UK service has, linked from the footer of every page: privacy, accessibility, cookies,
contact us, and the feedback page the phase banner links to."""
