"""The CLI's last line of defence: bad input is one line; a bug is one line naming the file that
holds its traceback. In process (cli.main), on a temporary data dir."""

from __future__ import annotations

from service import cli


def test_a_bug_prints_one_line_and_names_the_file_with_its_traceback(tmp_path, monkeypatch, capsys):
    """The bug is simulated (a fast-lane fake: `flags` raises a KeyError, as a parser bug would):
    no real command is known to have one."""
    monkeypatch.setenv("MINERLENS_DATA_DIR", str(tmp_path))

    def broken(args):
        raise KeyError("period_end")

    monkeypatch.setattr(cli, "cmd_flags", broken)
    assert cli.main(["flags"]) == 1
    log = tmp_path / "logs" / "cli-errors.log"
    assert capsys.readouterr().err == f"minerlens: internal error: 'period_end' (traceback in {log.resolve()})\n"
    written = log.read_text()
    assert "minerlens flags\n" in written and "Traceback (most recent call last)" in written and "KeyError: 'period_end'" in written


def test_bad_input_is_one_line_with_no_traceback_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MINERLENS_DATA_DIR", str(tmp_path))
    assert cli.main(["flags", "--since", "last week"]) == 2
    assert capsys.readouterr().err == "minerlens: bad_input: since='last week' is not an ISO date\n"
    assert not (tmp_path / "logs").exists()
