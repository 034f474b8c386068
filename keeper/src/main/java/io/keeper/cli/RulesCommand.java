package io.keeper.cli;

import io.keeper.guard.GuardRules;
import io.keeper.role.RoleRules;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** keeper rules: prints the role rules and the boot guard's rules, in the order they are tried. */
@Command(name = "rules", mixinStandardHelpOptions = true,
        description = "Print every role rule (and the boot guard's rules) in the order keeper tries them.")
final class RulesCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("Role rules (every heartbeat; the first that holds decides):");
        out.println(String.format("%-8s %-20s %-18s %s", "ROLE", "RULE", "ACTION", "WHEN"));
        RoleRules.describe().forEach(out::println);
        out.println();
        out.println("Boot guard rules (keeper guard, before a former primary starts):");
        for (GuardRules.Rule r : GuardRules.RULES) {
            out.println(String.format("%-20s %-17s %s", r.name(), r.outcome().name().toLowerCase(), r.condition()));
        }
        out.flush();
        return 0;
    }
}
