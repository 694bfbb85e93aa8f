"""Letters: what each letter says (pure), and the ports that render and send them."""
