"""GP opt-out codes: Type 1 and Type 2 codes from GP extracts, the Type 1 register, the 2018 conversion."""
