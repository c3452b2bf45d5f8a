"a${null}b"
