"""The contact centre: staff accounts, cases received by phone and post, proxies with four eyes."""
