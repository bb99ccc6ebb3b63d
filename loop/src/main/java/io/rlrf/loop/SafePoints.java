package io.rlrf.loop;

/**
 * Called at every safe point of a run ({@code "<iteration>/<STAGE>/<where>"}, e.g.
 * {@code 1/STAGE_TRAIN/step-3}) before the cancellation check: the seam where tests inject crashes
 * and faults. Production runs use {@link #NONE}.
 */
@FunctionalInterface
public interface SafePoints {

    SafePoints NONE = where -> { };

    void reached(String where);
}
