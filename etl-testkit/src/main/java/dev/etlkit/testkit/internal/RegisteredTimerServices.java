package dev.etlkit.testkit.internal;

import java.lang.reflect.Field;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimeServiceManagerImpl;
import org.apache.flink.streaming.api.operators.InternalTimerServiceImpl;

/**
 * The timer services an operator created since it was set up: those it asked for by name with
 * {@code getInternalTimerService} (a process function's {@code user-timers} among them), each
 * started then. A timer service of the restored state the operator never asks for is not among
 * them: its timers sit in the keyed backend (heap timers, RocksDB timers), where no service fires
 * them and every later snapshot carries them along, or in a service Flink created from raw keyed
 * state but never started (RocksDB or ForSt with heap timers), whose timers never fire either.
 *
 * <p>Flink has no public view of this: the operator's time service manager is reachable only from
 * the operator's subclasses, and the manager's map of services ({@code
 * getRegisteredTimerServices()}) is package-private. This reads field {@code timeServiceManager} of
 * {@code AbstractStreamOperator} and field {@code timerServices} of {@code
 * InternalTimeServiceManagerImpl}, cross-checked against the manager's public timer counts; a
 * service counts as started when it has a key serializer, which {@code startTimerService} sets.
 * Checked against Flink 2.2; when a later Flink changes them, the read fails saying so instead of
 * guessing.
 */
@Internal
public final class RegisteredTimerServices {

  private static final String MANAGER = "timeServiceManager";
  private static final String SERVICES = "timerServices";

  private RegisteredTimerServices() {}

  /** The names of the timer services {@code operator} created and started; empty without timers. */
  public static SortedSet<String> of(AbstractStreamOperator<?> operator) {
    SortedSet<String> names = new TreeSet<>();
    Object manager = field(operator, AbstractStreamOperator.class, MANAGER);
    if (manager == null) {
      return names; // no keyed state backend: no timers
    }
    if (!(manager instanceof InternalTimeServiceManagerImpl<?> impl)) {
      throw changed(manager, "the time service manager is no InternalTimeServiceManagerImpl");
    }
    if (!(field(impl, InternalTimeServiceManagerImpl.class, SERVICES) instanceof Map<?, ?> map)) {
      throw changed(impl, SERVICES + " is no Map");
    }
    int processing = 0;
    int event = 0;
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      if (!(entry.getKey() instanceof String name)
          || !(entry.getValue() instanceof InternalTimerServiceImpl<?, ?> service)) {
        throw changed(impl, SERVICES + " does not map service names to timer services");
      }
      processing += service.numProcessingTimeTimers();
      event += service.numEventTimeTimers();
      if (service.getKeySerializer() != null) {
        names.add(name);
      }
    }
    if (processing != impl.numProcessingTimeTimers() || event != impl.numEventTimeTimers()) {
      throw changed(impl, SERVICES + " does not hold the timers numProcessingTimeTimers() counts");
    }
    return names;
  }

  @Nullable
  private static Object field(Object owner, Class<?> type, String name) {
    Field field;
    try {
      field = type.getDeclaredField(name);
    } catch (NoSuchFieldException e) {
      throw changed(owner, type.getSimpleName() + " has no field " + name);
    }
    try {
      field.setAccessible(true);
      return field.get(owner);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(changed(owner, name + " cannot be read").getMessage(), e);
    }
  }

  private static IllegalStateException changed(Object owner, String what) {
    return new IllegalStateException(
        "Cannot tell which timer services the operator created on "
            + owner.getClass().getName()
            + ": "
            + what
            + ". etlkit reads Flink 2.2's internals there (RegisteredTimerServices); this Flink"
            + " changed them, so SavepointCompatibility cannot check for restored timers no"
            + " timer service of the operator fires");
  }
}
