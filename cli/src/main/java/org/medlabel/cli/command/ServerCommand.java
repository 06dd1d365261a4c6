package org.medlabel.cli.command;

import org.medlabel.cli.MedLabelCli;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** A command that talks to the server named by the top command's {@code --server}. */
abstract class ServerCommand {

    @ParentCommand
    MedLabelCli root;

    @Spec
    CommandSpec spec;
}
