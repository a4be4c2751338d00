package dev.etlkit.operators.json.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Frames of required-field marks, one per object being read. */
class RequiredTrackerTest {

  @Test
  void marksInANestedFrame_doNotLeakIntoTheOuterFrame() {
    RequiredTracker tracker = new RequiredTracker(3);
    long[] outerMask = {0b011};
    long[] innerMask = {0b100};

    int outer = tracker.enter();
    tracker.mark(0);
    int inner = tracker.enter();
    tracker.mark(1); // set inside the nested object: not the outer object's field
    assertThat(tracker.firstMissing(innerMask)).isEqualTo(2);
    tracker.exit(inner);
    assertThat(tracker.firstMissing(outerMask)).isEqualTo(1);
    tracker.mark(1);
    assertThat(tracker.firstMissing(outerMask)).isEqualTo(-1);
    tracker.exit(outer);
  }

  @Test
  void unmark_afterMark_leavesTheFieldMissing() {
    RequiredTracker tracker = new RequiredTracker(70);
    long[] mask = {0b1, 1L << 5};

    int frame = tracker.enter();
    tracker.mark(0);
    tracker.mark(69);
    tracker.unmark(69); // a duplicate key whose last value is null
    assertThat(tracker.firstMissing(mask)).isEqualTo(69);
    tracker.exit(frame);
  }

  @Test
  void moreThan64RequiredNames_useSeveralWords() {
    RequiredTracker tracker = new RequiredTracker(130);
    long[] mask = {0L, 0L, 1L << 1}; // bit 129
    tracker.enter();
    assertThat(tracker.allMissing(mask)).containsExactly(129);
    tracker.mark(129);
    assertThat(tracker.allMissing(mask)).isEmpty();
  }

  @Test
  void reenteringADepth_startsFromAClearFrame() {
    RequiredTracker tracker = new RequiredTracker(1);
    long[] mask = {1L};
    int frame = tracker.enter();
    tracker.mark(0);
    tracker.exit(frame);
    tracker.enter();
    assertThat(tracker.firstMissing(mask)).isZero();
  }

  @Test
  void deepNesting_growsTheFrameStack() {
    RequiredTracker tracker = new RequiredTracker(1);
    for (int i = 0; i < 100; i++) {
      tracker.enter();
    }
    tracker.mark(0);
    assertThat(tracker.firstMissing(new long[] {1L})).isEqualTo(-1);
    tracker.reset();
  }
}
