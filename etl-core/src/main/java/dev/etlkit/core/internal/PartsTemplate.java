package dev.etlkit.core.internal;

import java.io.IOException;
import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.List;

/**
 * The code of every {@link CompiledParts}: never loaded as itself, only defined again and again as
 * a hidden class whose class data is its list of parts ({@link CompiledParts#of}). The parts are
 * static finals, which the JIT compiler treats as constants: it inlines each part's method handles
 * (field getters, comparisons, writes) into {@link #all}, as if the code had been written by hand
 * for the type. At most {@value CompiledParts#PARTS} parts: a longer sequence chains the rest as
 * the last part.
 */
final class PartsTemplate extends CompiledParts {
  private static final List<MethodHandle> PARTS = parts();
  private static final int COUNT = PARTS.size();
  private static final MethodHandle P0 = part(0);
  private static final MethodHandle P1 = part(1);
  private static final MethodHandle P2 = part(2);
  private static final MethodHandle P3 = part(3);
  private static final MethodHandle P4 = part(4);
  private static final MethodHandle P5 = part(5);
  private static final MethodHandle P6 = part(6);
  private static final MethodHandle P7 = part(7);

  @SuppressWarnings("unchecked")
  private static List<MethodHandle> parts() {
    try {
      List<MethodHandle> parts =
          MethodHandles.classData(MethodHandles.lookup(), ConstantDescs.DEFAULT_NAME, List.class);
      if (parts == null) {
        throw new IllegalStateException("defined without its parts");
      }
      return parts;
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read its parts", e);
    }
  }

  private static MethodHandle part(int i) {
    return i < PARTS.size() ? PARTS.get(i) : null;
  }

  @Override
  public boolean all(Object a, Object b, Object c) throws IOException {
    try {
      if (COUNT > 0 && !(boolean) P0.invokeExact(a, b, c)) {
        return false;
      }
      if (COUNT > 1 && !(boolean) P1.invokeExact(a, b, c)) {
        return false;
      }
      if (COUNT > 2 && !(boolean) P2.invokeExact(a, b, c)) {
        return false;
      }
      if (COUNT > 3 && !(boolean) P3.invokeExact(a, b, c)) {
        return false;
      }
      if (COUNT > 4 && !(boolean) P4.invokeExact(a, b, c)) {
        return false;
      }
      if (COUNT > 5 && !(boolean) P5.invokeExact(a, b, c)) {
        return false;
      }
      if (COUNT > 6 && !(boolean) P6.invokeExact(a, b, c)) {
        return false;
      }
      return COUNT <= 7 || (boolean) P7.invokeExact(a, b, c);
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("a compiled part failed", e);
    }
  }
}
