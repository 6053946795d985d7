"""The shared option helpers, on a small click command of their own."""

from __future__ import annotations

import click
from click.testing import CliRunner

from pipeline.cli.options import VideoIdCommand


@click.command(cls=VideoIdCommand)
@click.argument("video_id")
@click.argument("workdir", required=False)
@click.option("--privacy")
@click.option("--quiet", "-q", is_flag=True)
def show(video_id, workdir, privacy, quiet):
    click.echo(f"{video_id}|{workdir}|{privacy}|{quiet}")


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(show, list(args))


def test_a_video_id_starting_with_a_dash_is_an_argument_in_its_place():
    assert invoke("-cQ3rXy9AbC", "work", "-q").output == "-cQ3rXy9AbC|work|None|True\n"
    assert invoke("--privacy", "public", "--pZ8kLmN2q").output == "--pZ8kLmN2q|None|public|False\n"
    assert (
        invoke("-q", "abcdefghijk", "-cQ3rXy9AbC").output == "abcdefghijk|-cQ3rXy9AbC|None|True\n"
    )


def test_an_option_value_shaped_like_a_video_id_stays_the_value():
    assert invoke("x", "--privacy", "-cQ3rXy9AbC").output == "x|None|-cQ3rXy9AbC|False\n"


def test_unknown_options_and_a_double_dash_behave_as_click_says():
    unknown = invoke("abcdefghijk", "--restor")
    assert unknown.exit_code == 2 and "No such option '--restor'" in unknown.output
    assert invoke("--", "-q", "--privacy").output == "-q|--privacy|None|False\n"
