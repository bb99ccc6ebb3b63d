package io.rlrf.tasks;

/** Dataset split. GSM8K has train and test; SVAMP is one evaluation set (test). */
public enum Split {
    TRAIN, DEV, TEST;

    /** Lower-case name as used in ids and file names. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
